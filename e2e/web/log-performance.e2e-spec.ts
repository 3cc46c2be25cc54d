import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { BUSYBOX_IMAGE, type TestSystem } from '../support';
import {
  ARTIFACTS,
  collectPageErrors,
  startWebSystem,
  screenshot,
} from './browser';

/** The finished log: 200,000 script lines. */
const BIG_LINES = 200_000;
/**
 * The live log: batches of 500 lines, a pause after each, ~5,000 lines/s for ~10 s. The pause is
 * 85 ms, not 100, because printing a batch (seq | sed) takes ~15 ms itself.
 */
const LIVE_PAUSE_US = 85_000;
const LIVE_BATCHES = 100;
const LIVE_BATCH = 500;
const LIVE_LINES = LIVE_BATCHES * LIVE_BATCH;

/** More rendered rows than this means the view is not virtual (it renders ~100). */
const MAX_ROWS = 500;
/** Elements of the whole document: shell + toolbar + a window of rows (each row is a few elements). */
const MAX_ELEMENTS = 3_000;

/**
 * Installed before any page script: counts animation frames and the longest gap between two,
 * how late a 50 ms timer fires, and every long task (> 50 ms on the main thread), so a test can
 * report how responsive the page stayed. Values are read with `window.__probe`.
 */
function installProbe(): void {
  interface Probe {
    frames: number;
    lastFrame: number;
    maxFrameGap: number;
    ticks: number;
    lastTick: number;
    maxTimerLate: number;
    longTasks: number[];
    reset(): void;
  }
  const probe: Probe = {
    frames: 0,
    lastFrame: 0,
    maxFrameGap: 0,
    ticks: 0,
    lastTick: 0,
    maxTimerLate: 0,
    longTasks: [],
    reset() {
      this.frames = 0;
      this.lastFrame = 0;
      this.maxFrameGap = 0;
      this.ticks = 0;
      this.lastTick = 0;
      this.maxTimerLate = 0;
      this.longTasks = [];
    },
  };
  (window as unknown as { __probe: Probe }).__probe = probe;
  const frame = (t: number) => {
    if (probe.lastFrame > 0)
      probe.maxFrameGap = Math.max(probe.maxFrameGap, t - probe.lastFrame);
    probe.lastFrame = t;
    probe.frames++;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  setInterval(() => {
    const now = performance.now();
    if (probe.lastTick > 0)
      probe.maxTimerLate = Math.max(
        probe.maxTimerLate,
        now - probe.lastTick - 50,
      );
    probe.lastTick = now;
    probe.ticks++;
  }, 50);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
}

interface ProbeReading {
  frames: number;
  maxFrameGap: number;
  ticks: number;
  maxTimerLate: number;
  longTasks: number[];
}

function readProbe(page: Page): Promise<ProbeReading> {
  return page.evaluate(() => {
    const p = (window as unknown as { __probe: ProbeReading }).__probe;
    return {
      frames: p.frames,
      maxFrameGap: p.maxFrameGap,
      ticks: p.ticks,
      maxTimerLate: p.maxTimerLate,
      longTasks: [...p.longTasks],
    };
  });
}

function resetProbe(page: Page): Promise<void> {
  return page.evaluate(() =>
    (window as unknown as { __probe: { reset(): void } }).__probe.reset(),
  );
}

interface DomSample {
  rows: number;
  elements: number;
  firstSeq: number;
  lastSeq: number;
  total: number;
  /** The header says the log is complete. */
  complete: boolean;
  jumpButton: boolean;
}

/** What the log view holds right now: rendered rows, document size, line numbers, the total shown. */
function sampleDom(page: Page): Promise<DomSample> {
  return page.evaluate(() => {
    const rows = document.querySelectorAll('.row');
    const seq = (el: Element | undefined) => Number(el?.id.slice(1) ?? 0);
    const header = document.querySelector('.log-title + p')?.textContent ?? '';
    return {
      rows: rows.length,
      elements: document.getElementsByTagName('*').length,
      firstSeq: seq(rows[0]),
      lastSeq: seq(rows[rows.length - 1]),
      total: Number(/(\d+) lines/.exec(header)?.[1] ?? -1),
      complete: header.includes('· complete'),
      jumpButton: document.querySelector('.jump') !== null,
    };
  });
}

/** The rendered rows as [line number, text], in DOM order. */
function renderedRows(page: Page): Promise<[number, string][]> {
  return page
    .locator('.row')
    .evaluateAll((rows) =>
      rows.map((row): [number, string] => [
        Number(row.id.slice(1)),
        row.querySelector('.text')?.textContent ?? '',
      ]),
    );
}

/** Line numbers of the rows inside the viewport's visible box. */
function visibleSeqs(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const viewport = document.querySelector('.viewport');
    if (!viewport) return [];
    const box = viewport.getBoundingClientRect();
    return Array.from(document.querySelectorAll('.row'))
      .filter((row) => {
        const r = row.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      })
      .map((row) => Number(row.id.slice(1)));
  });
}

/** Polls every animation frame until `id` is in the DOM; returns performance.now() at that moment. */
async function whenRendered(page: Page, id: string): Promise<number> {
  const handle = await page.waitForFunction(
    (rowId) =>
      document.getElementById(rowId) !== null ? performance.now() : false,
    id,
    { polling: 'raf', timeout: 60_000 },
  );
  return (await handle.jsonValue()) as number;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

/**
 * The log view with big logs from the real builder, measured in Chromium: a finished
 * 200,000-line log and a live build printing ~5,000 lines per second. Timings are printed and
 * saved to test-artifacts/web/log-performance.json, never asserted; the assertions are about
 * structure (a small DOM, the right line numbers, every line exactly once, frames kept coming).
 */
describe('web log view performance', () => {
  let system: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let base: string;
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    ({ system, browser, base } = await startWebSystem());
    context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
    });
    await context.addInitScript(installProbe);
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto(`${base}/login`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(system.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/stacks`);
  });

  afterAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(
      join(ARTIFACTS, 'log-performance.json'),
      JSON.stringify(report, null, 2),
    );
    await context?.close();
    await browser?.close();
    await system?.stop();
  });

  it('follows a live build printing ~5,000 lines/s with a small DOM, every line exactly once', async () => {
    const script = [
      'i=0',
      `while [ $i -lt ${LIVE_BATCHES} ]; do`,
      `  seq $((i * ${LIVE_BATCH} + 1)) $((i * ${LIVE_BATCH} + ${LIVE_BATCH})) | sed 's/^/live /'`,
      `  usleep ${LIVE_PAUSE_US}`,
      '  i=$((i + 1))',
      'done',
    ].join('\n');
    await system.api.createStack({
      name: 'live-flood',
      baseImageUrl: BUSYBOX_IMAGE,
      script,
    });
    // As a user would: Build on the stack page, which opens the log and follows its end.
    await page.goto(`${base}/stacks/live-flood`);
    await page.getByRole('heading', { name: 'No images yet' }).waitFor();
    await resetProbe(page);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.waitForURL(/\/stacks\/live-flood\/images\/[0-9a-f-]+\/log$/);
    const id = /images\/([0-9a-f-]+)\/log/.exec(page.url())?.[1] ?? '';

    // Sample the page while the lines pour in, until the log is complete.
    const samples: (DomSample & { at: number })[] = [];
    const started = Date.now();
    for (;;) {
      const sample = await sampleDom(page);
      samples.push({ ...sample, at: Date.now() - started });
      if (sample.complete) break;
      if (Date.now() - started > 300_000)
        throw new Error(
          `the live log did not complete: ${JSON.stringify(sample)}`,
        );
      await page.waitForTimeout(250);
    }
    const probe = await readProbe(page);
    await screenshot(page, 'perf-01-live-log-end');

    const image = await system.api.image(id);
    expect(image.status).toBe('succeeded');
    const serverLog = (await system.api.log(id)).split('\n');
    if (serverLog[serverLog.length - 1] === '') serverLog.pop();
    const total = serverLog.length;
    expect(serverLog.filter((line) => line.startsWith('live ')).length).toBe(
      LIVE_LINES,
    );

    // While lines arrived: the DOM stayed a window, the view followed the end and the last
    // line number shown kept growing.
    const during = samples.filter((s) => !s.complete && s.total > 0);
    expect(during.length).toBeGreaterThanOrEqual(5);
    for (const s of samples) {
      expect(s.rows).toBeLessThan(MAX_ROWS);
      expect(s.elements).toBeLessThan(MAX_ELEMENTS);
      expect(s.jumpButton).toBe(false);
      expect(s.lastSeq).toBe(s.total);
    }
    const lastSeqs = during.map((s) => s.lastSeq);
    for (let i = 1; i < lastSeqs.length; i++)
      expect(lastSeqs[i]).toBeGreaterThanOrEqual(lastSeqs[i - 1]);
    const increases = lastSeqs.filter((v, i) => i > 0 && v > lastSeqs[i - 1]);
    expect(increases.length).toBeGreaterThanOrEqual(5);
    // The page kept producing frames and running timers the whole time.
    expect(probe.frames).toBeGreaterThan(samples.length);
    expect(probe.ticks).toBeGreaterThan(samples.length);

    const final = samples[samples.length - 1];
    expect(final.total).toBe(total);
    expect(final.lastSeq).toBe(total);

    // Every line exactly once and in order: sweep the whole log through the virtual window and
    // compare what the browser holds with the stored log. A tall window takes fewer steps.
    await page.setViewportSize({ width: 1280, height: 4000 });
    const sweep = await page.evaluate(async (expectedTotal) => {
      const viewport = document.querySelector('.viewport') as HTMLElement;
      const texts: (string | null)[] = new Array<string | null>(
        expectedTotal,
      ).fill(null);
      let seen = 0;
      let duplicates = 0;
      const nextFrame = () =>
        new Promise<void>((r) => requestAnimationFrame(() => r()));
      const collect = () => {
        for (const row of Array.from(document.querySelectorAll('.row'))) {
          const seq = Number(row.id.slice(1));
          const text = row.querySelector('.text')?.textContent ?? '';
          if (texts[seq - 1] === null) {
            texts[seq - 1] = text;
            seen++;
          } else if (texts[seq - 1] !== text) duplicates++;
        }
      };
      const t0 = performance.now();
      let steps = 0;
      let index = 0;
      while (index < expectedTotal) {
        // Put line `index + 1` at the top; wait until it is rendered.
        viewport.scrollTop = index * 20;
        const want = `L${Math.min(index + 1, expectedTotal)}`;
        for (let f = 0; f < 120 && !document.getElementById(want); f++)
          await nextFrame();
        collect();
        const rows = document.querySelectorAll('.row');
        const last = Number(rows[rows.length - 1]?.id.slice(1) ?? 0);
        steps++;
        if (last >= expectedTotal) break;
        // Next, line `last + 26` at the top: 30 rows of overscan above it overlap this window by 5.
        index = Math.max(index + 1, last + 25);
      }
      return {
        texts,
        seen,
        duplicates,
        steps,
        ms: performance.now() - t0,
      };
    }, total);
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(sweep.duplicates).toBe(0);
    expect(sweep.seen).toBe(total);
    const mismatches = sweep.texts
      .map((text, i) => (text === serverLog[i] ? -1 : i + 1))
      .filter((seq) => seq > 0);
    expect(mismatches.slice(0, 5)).toEqual([]);
    const liveInBrowser = sweep.texts.filter(
      (t): t is string => t !== null && t.startsWith('live '),
    );
    expect(liveInBrowser.length).toBe(LIVE_LINES);
    expect(liveInBrowser[0]).toBe('live 1');
    expect(liveInBrowser[LIVE_LINES - 1]).toBe(`live ${LIVE_LINES}`);
    expect(liveInBrowser.every((t, i) => t === `live ${i + 1}`)).toBe(true);

    const runSeconds =
      image.startedAt && image.finishedAt
        ? (Date.parse(image.finishedAt) - Date.parse(image.startedAt)) / 1000
        : NaN;
    const longTasks = probe.longTasks;
    report['live'] = {
      linesPrinted: LIVE_LINES,
      logLines: total,
      buildSeconds: runSeconds,
      linesPerSecond: Math.round(LIVE_LINES / runSeconds),
      samples: samples.length,
      maxRows: Math.max(...samples.map((s) => s.rows)),
      maxElements: Math.max(...samples.map((s) => s.elements)),
      lastLineShown: lastSeqs,
      frames: probe.frames,
      worstFrameGapMs: probe.maxFrameGap,
      timerTicks: probe.ticks,
      worstTimerLatenessMs: probe.maxTimerLate,
      longTasks: longTasks.length,
      longestTaskMs: Math.max(0, ...longTasks),
      longTaskTotalMs: longTasks.reduce((a, b) => a + b, 0),
      sweepSteps: sweep.steps,
      sweepMs: sweep.ms,
    };
    console.log(
      [
        `live log: ${LIVE_LINES} lines in ${runSeconds} s of build (${Math.round(LIVE_LINES / runSeconds)} lines/s), ${samples.length} DOM samples`,
        `  rendered rows ≤ ${Math.max(...samples.map((s) => s.rows))}, document elements ≤ ${Math.max(...samples.map((s) => s.elements))}`,
        `  frames ${probe.frames}, worst frame gap ${ms(probe.maxFrameGap)}; 50 ms timer: ${probe.ticks} ticks, worst lateness ${ms(probe.maxTimerLate)}`,
        `  long tasks: ${longTasks.length}, longest ${ms(Math.max(0, ...longTasks))}, total ${ms(longTasks.reduce((a, b) => a + b, 0))}`,
        `  exactly-once sweep of ${total} lines: ${sweep.steps} steps in ${ms(sweep.ms)}`,
      ].join('\n'),
    );
  });

  it('opens a finished 200,000-line log with a small DOM, scrolls and searches it', async () => {
    await system.api.createStack({
      name: 'big-log',
      baseImageUrl: BUSYBOX_IMAGE,
      script: `seq 1 ${BIG_LINES} | sed 's/^/line /'`,
    });
    const image = await system.api.waitForImage(
      (await system.api.build('big-log')).id,
    );
    expect(image.status).toBe('succeeded');
    const log = (await system.api.log(image.id)).split('\n');
    if (log[log.length - 1] === '') log.pop();
    const total = log.length;
    const offset = log.indexOf('line 1'); // builder lines before the script's
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(log[offset + BIG_LINES - 1]).toBe(`line ${BIG_LINES}`);
    const expectRowsMatchLog = async () => {
      const rows = await renderedRows(page);
      expect(rows.length).toBeGreaterThan(0);
      for (let i = 1; i < rows.length; i++)
        expect(rows[i][0]).toBe(rows[i - 1][0] + 1);
      const wrong = rows.filter(([seq, text]) => text !== log[seq - 1]);
      expect(wrong).toEqual([]);
      return rows;
    };

    // A fresh page load: performance.now() counts from the navigation.
    await page.goto(`${base}/stacks/big-log/images/${image.id}/log`);
    const loaded = (await (
      await page.waitForFunction(
        (t) => {
          const header =
            document.querySelector('.log-title + p')?.textContent ?? '';
          return header.includes(`${t} lines`) && header.includes('complete')
            ? performance.now()
            : false;
        },
        total,
        { polling: 'raf', timeout: 180_000 },
      )
    ).jsonValue()) as number;
    const lastShown = await whenRendered(page, `L${total}`);
    const atLoad = await sampleDom(page);
    const loadProbe = await readProbe(page);
    expect(atLoad.rows).toBeLessThan(MAX_ROWS);
    expect(atLoad.elements).toBeLessThan(MAX_ELEMENTS);
    expect(atLoad.total).toBe(total);
    expect(atLoad.lastSeq).toBe(total);
    await expectRowsMatchLog();
    await screenshot(page, 'perf-02-big-log-end');

    // To the middle.
    const mid = Math.floor(total / 2);
    const midStart = await page.evaluate((seq) => {
      const viewport = document.querySelector('.viewport') as HTMLElement;
      const t = performance.now();
      viewport.scrollTop = (seq - 1) * 20;
      return t;
    }, mid);
    const midShown = await whenRendered(page, `L${mid}`);
    // The row is rendered; wait for the frame that paints the whole window around it.
    await page.waitForFunction(
      (seq) => {
        const rows = document.querySelectorAll('.row');
        return Number(rows[0]?.id.slice(1)) < seq && rows.length > 30;
      },
      mid,
      { polling: 'raf' },
    );
    const atMid = await sampleDom(page);
    expect(atMid.rows).toBeLessThan(MAX_ROWS);
    expect(atMid.elements).toBeLessThan(MAX_ELEMENTS);
    const visibleMid = await visibleSeqs(page);
    expect(visibleMid[0]).toBe(mid);
    for (let i = 1; i < visibleMid.length; i++)
      expect(visibleMid[i]).toBe(visibleMid[i - 1] + 1);
    expect(visibleMid.length).toBeGreaterThan(10);
    expect(await page.locator(`#L${mid} .text`).textContent()).toBe(
      `line ${mid - offset}`,
    );
    await expectRowsMatchLog();
    await page.getByRole('button', { name: 'Jump to end ↓' }).waitFor();
    await screenshot(page, 'perf-03-big-log-middle');

    // Back to the end with the button.
    const jump = page.getByRole('button', { name: 'Jump to end ↓' });
    await page.evaluate(() =>
      document
        .querySelector('.jump')
        ?.addEventListener(
          'click',
          () =>
            ((window as unknown as { __t: number }).__t = performance.now()),
          { capture: true, once: true },
        ),
    );
    await jump.click();
    const endShown = await whenRendered(page, `L${total}`);
    const endStart = await page.evaluate(
      () => (window as unknown as { __t: number }).__t,
    );
    const visibleEnd = await visibleSeqs(page);
    expect(visibleEnd[visibleEnd.length - 1]).toBe(total);
    const atEnd = await sampleDom(page);
    expect(atEnd.rows).toBeLessThan(MAX_ROWS);
    await expectRowsMatchLog();
    await jump.waitFor({ state: 'detached' });

    // Search: "line 1234" is in lines 1234, 12340-12349 and 123400-123499 (111 lines), all
    // above the end where the search starts, so it begins at the first one.
    const term = 'line 1234';
    const matches = log
      .map((text, i) => (text.toLowerCase().includes(term) ? i : -1))
      .filter((i) => i >= 0);
    expect(matches.length).toBe(111);
    const firstVisible = await page.evaluate(() =>
      Math.floor(
        (document.querySelector('.viewport') as HTMLElement).scrollTop / 20,
      ),
    );
    const at = matches.findIndex((line) => line >= firstVisible);
    let current = at < 0 ? 0 : at;
    const search = page.getByLabel('Search the log');
    await search.evaluate((input) =>
      input.addEventListener(
        'input',
        () => ((window as unknown as { __t: number }).__t = performance.now()),
        { once: true },
      ),
    );
    await search.fill(term);
    await search.press('Enter'); // runs the search at once instead of after the typing pause
    const searchDone = (await (
      await page.waitForFunction(
        (text) =>
          document.querySelector('.count')?.textContent?.includes(text)
            ? performance.now()
            : false,
        `${current + 1} of ${matches.length} lines`,
        { polling: 'raf', timeout: 60_000 },
      )
    ).jsonValue()) as number;
    const searchStart = await page.evaluate(
      () => (window as unknown as { __t: number }).__t,
    );
    const expectCurrent = async () => {
      await page
        .locator('.count')
        .filter({ hasText: `${current + 1} of ${matches.length} lines` })
        .waitFor();
      const row = page.locator('.row.current-match');
      await row.waitFor();
      expect(await row.getAttribute('id')).toBe(`L${matches[current] + 1}`);
      expect(await row.locator('.match').first().textContent()).toBe(term);
      expect(await visibleSeqs(page)).toContain(matches[current] + 1);
      expect((await sampleDom(page)).rows).toBeLessThan(MAX_ROWS);
    };
    await expectCurrent();
    await screenshot(page, 'perf-04-big-log-search');

    const stepTimes: number[] = [];
    const step = async (name: 'Next match' | 'Previous match') => {
      const button = page.getByRole('button', { name });
      await button.evaluate((el) =>
        el.addEventListener(
          'click',
          () =>
            ((window as unknown as { __t: number }).__t = performance.now()),
          { capture: true, once: true },
        ),
      );
      await button.click();
      current =
        name === 'Next match'
          ? (current + 1) % matches.length
          : (current - 1 + matches.length) % matches.length;
      const shown = (await (
        await page.waitForFunction(
          (id) =>
            document.querySelector('.row.current-match')?.id === id
              ? performance.now()
              : false,
          `L${matches[current] + 1}`,
          { polling: 'raf', timeout: 60_000 },
        )
      ).jsonValue()) as number;
      stepTimes.push(
        shown -
          (await page.evaluate(
            () => (window as unknown as { __t: number }).__t,
          )),
      );
      await expectCurrent();
    };
    // Forward twice, back once, then back past the first match to the last (wrapping).
    expect(current).toBe(0);
    await step('Next match');
    await step('Next match');
    await step('Previous match');
    await step('Previous match');
    expect(current).toBe(0);
    await step('Previous match');
    expect(current).toBe(matches.length - 1);
    await step('Next match');
    expect(current).toBe(0);

    const timings = {
      logLines: total,
      loadCompleteMs: loaded,
      lastLineRenderedMs: lastShown,
      longTasksDuringLoad: loadProbe.longTasks.length,
      longestTaskDuringLoadMs: Math.max(0, ...loadProbe.longTasks),
      rowsRendered: atLoad.rows,
      documentElements: atLoad.elements,
      scrollToMiddleMs: midShown - midStart,
      jumpToEndMs: endShown - endStart,
      searchMs: searchDone - searchStart,
      searchMatches: matches.length,
      nextPreviousMs: stepTimes,
    };
    report['finished'] = timings;
    console.log(
      [
        `finished log of ${total} lines (from a fresh page load, performance.now()):`,
        `  complete after ${ms(loaded)}, last line on screen after ${ms(lastShown)}; long tasks during load: ${loadProbe.longTasks.length}, longest ${ms(Math.max(0, ...loadProbe.longTasks))}`,
        `  DOM: ${atLoad.rows} rows, ${atLoad.elements} elements`,
        `  scroll to line ${mid}: ${ms(midShown - midStart)}; Jump to end: ${ms(endShown - endStart)}`,
        `  search "${term}" (${matches.length} lines): ${ms(searchDone - searchStart)}; next/previous: ${stepTimes.map(ms).join(', ')}`,
      ].join('\n'),
    );
  });

  it('produced no browser errors', () => {
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});

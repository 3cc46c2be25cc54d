import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogStreamEntry } from '@velociraptor/domain';
import { BuildLog, type LogStreamSink } from './build-log';

class MemorySink implements LogStreamSink {
  entries: LogStreamEntry[] = [];
  failNext = 0;
  gate: Promise<void> | undefined;
  async append(_id: string, entries: LogStreamEntry[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('redis down');
    }
    this.entries.push(...entries);
  }
  async end(_id: string, entry: LogStreamEntry): Promise<void> {
    this.entries.push(entry);
  }
  lines(): string[] {
    const out: string[] = [];
    for (const e of this.entries) {
      if (e.kind === 'lines') {
        expect(e.seq).toBe(out.length + 1);
        out.push(...e.lines);
      }
    }
    return out;
  }
}

describe('BuildLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'build-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const make = (sink: LogStreamSink, maxBytes = 1024 * 1024) =>
    new BuildLog('img', sink, {
      flushIntervalMs: 5,
      maxBatchLines: 100,
      maxBytes,
      filePath: join(dir, 'build.log'),
    });

  it('numbers lines from 1, batches them and ends the stream', async () => {
    const sink = new MemorySink();
    const log = make(sink);
    for (let i = 1; i <= 1050; i++) log.write(`line ${i}`);
    await log.close('succeeded');
    const lines = sink.lines();
    expect(lines).toHaveLength(1050);
    expect(lines[1049]).toBe('line 1050');
    for (const e of sink.entries) {
      if (e.kind === 'lines') expect(e.lines.length).toBeLessThanOrEqual(100);
    }
    expect(sink.entries.at(-1)).toEqual({
      kind: 'end',
      status: 'succeeded',
      lastSeq: 1050,
      truncated: false,
    });
    expect(readFileSync(join(dir, 'build.log'), 'utf8')).toBe(
      lines.join('\n') + '\n',
    );
  });

  it('does not wait for a slow sink and keeps order when it recovers', async () => {
    const sink = new MemorySink();
    let open: () => void = () => undefined;
    sink.gate = new Promise((resolve) => (open = resolve));
    sink.failNext = 1;
    const log = make(sink);
    for (let i = 1; i <= 300; i++) log.write(`l${i}`);
    // write() returned for all lines while the sink was stuck.
    expect(log.lastSeq).toBe(300);
    sink.gate = undefined;
    open();
    await log.close('failed');
    expect(sink.lines()).toEqual(
      Array.from({ length: 300 }, (_, i) => `l${i + 1}`),
    );
  });

  it('cuts the log at the byte cap with a truncation line', async () => {
    const sink = new MemorySink();
    const log = make(sink, 100);
    for (let i = 0; i < 50; i++) log.write('0123456789');
    await log.close('succeeded');
    const lines = sink.lines();
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toMatch(/log truncated.*100 B/);
    expect(log.truncated).toBe(true);
    expect(sink.entries.at(-1)).toMatchObject({ truncated: true, lastSeq: 10 });
  });
});

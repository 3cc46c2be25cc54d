import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  type Image,
  type User,
} from '@velociraptor/domain';
import { ApiClient, BUSYBOX_IMAGE, type TestSystem } from '../support';
import { collectPageErrors, screenshot, startWebSystem } from './browser';

const VIEWER = 'vera-viewer';
const VIEWER_PASSWORD = 'viewer-password-1234';

/** Every control that changes something; a viewer must see none of them. */
const WRITE_CONTROLS =
  /^(New stack|Create the first stack|Edit|Build|Build .+|Queuing…|Cancel|Make active|Delete|Delete stack|Save|Save and Build)$/;

/** The names of the visible buttons and links of the main content. */
async function controlNames(page: Page): Promise<string[]> {
  return page
    .locator('main button:visible, main a.btn:visible')
    .evaluateAll((els) =>
      els.map(
        (el) => el.getAttribute('aria-label') ?? (el.textContent ?? '').trim(),
      ),
    );
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** `rgb(r, g, b)` → [r, g, b]. */
function rgb(color: string): number[] {
  return (/rgba?\((\d+), (\d+), (\d+)/.exec(color) ?? []).slice(1).map(Number);
}

/**
 * The acceptance points around a stack page in a real browser: a failing build shows red with
 * its log, the Download link returns the very bytes whose SHA-256 the API recorded, and a
 * viewer sees no control that changes anything while the API refuses those actions anyway.
 */
describe('web dashboard: failures, downloads and the viewer role', () => {
  let system: TestSystem;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let errors: string[];
  let base: string;
  /** Images of the stack "shared": an older succeeded one, a failed one, the active one. */
  let older: Image;
  let failed: Image;
  let active: Image;

  beforeAll(async () => {
    ({ system, browser, base } = await startWebSystem());
    admin = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await admin.newPage();
    errors = collectPageErrors(page);
    await signIn(page, 'admin', system.adminPassword);
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await system?.stop();
  });

  async function signIn(p: Page, username: string, password: string) {
    await p.goto(`${base}/login`);
    await p.getByLabel('Username').fill(username);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${base}/stacks`);
  }

  it('shows a failing build in red with its log lines', async () => {
    await system.api.createStack({
      name: 'breaks',
      baseImageUrl: BUSYBOX_IMAGE,
      script: [
        'echo "step 1 of 3 ok"',
        'echo "step 2 of 3 ok"',
        'echo "step 3 cannot find /nonexistent" >&2',
        'exit 3',
      ].join('\n'),
    });
    await page.goto(`${base}/stacks/breaks`);
    await page.getByRole('heading', { name: 'No images yet' }).waitFor();
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.waitForURL(/\/stacks\/breaks\/images\/[0-9a-f-]+\/log$/);

    const badge = page.locator('.log-title vr-status-badge .badge');
    await badge.filter({ hasText: 'failed' }).waitFor({ timeout: 180_000 });
    expect(await badge.getAttribute('class')).toContain('status-failed');
    const [r, g, b] = rgb(
      await badge.evaluate((el) => getComputedStyle(el).color),
    );
    expect(r).toBeGreaterThan(2 * g);
    expect(r).toBeGreaterThan(2 * b);
    await page
      .getByRole('status')
      .filter({ hasText: 'script exited with status 3' })
      .waitFor();
    // The script's output, stdout and stderr, is on screen in the log view.
    await page.getByText('· complete').waitFor();
    for (const text of [
      'step 1 of 3 ok',
      'step 2 of 3 ok',
      'step 3 cannot find /nonexistent',
    ]) {
      const row = page.locator('.row .text', { hasText: text });
      await row.waitFor();
      expect(await row.isVisible()).toBe(true);
    }
    await screenshot(page, 'acc-01-failed-log');

    // The stack page lists it as failed, in red, with the reason.
    const id = /images\/([0-9a-f-]+)\/log/.exec(page.url())?.[1] ?? '';
    await page.goto(`${base}/stacks/breaks`);
    const item = page.locator('li.image');
    await item.locator('.badge.status-failed', { hasText: 'failed' }).waitFor();
    expect(await item.locator('.error-text').textContent()).toContain(
      'script exited with status 3',
    );
    expect((await system.api.image(id)).status).toBe('failed');
    await screenshot(page, 'acc-02-stack-failed');
  });

  it('downloads from the stack page the very bytes whose SHA-256 the API recorded', async () => {
    await system.api.createStack({
      name: 'shared',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo v1 > /etc/motd',
    });
    older = await system.api.waitForImage(
      (await system.api.build('shared')).id,
    );
    await system.api.request('PATCH', '/stacks/shared', {
      script: 'echo failing; exit 1',
    });
    failed = await system.api.waitForImage(
      (await system.api.build('shared')).id,
    );
    await system.api.request('PATCH', '/stacks/shared', {
      script: 'echo v2 > /etc/motd',
    });
    active = await system.api.waitForImage(
      (await system.api.build('shared')).id,
    );
    expect([older.status, failed.status, active.status]).toEqual([
      'succeeded',
      'failed',
      'succeeded',
    ]);
    expect(active.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(active.sha256).not.toBe(older.sha256);

    await page.goto(`${base}/stacks/shared`);
    // By heading: a newer image's text names the older one in its diff button.
    const imageItem = (name: string) =>
      page.locator('li.image').filter({
        has: page.getByRole('heading', { name, exact: true }),
      });
    const item = imageItem(active.name);
    await item.waitFor();
    expect(await item.textContent()).toContain(active.sha256);
    // No download for a failed build: it made no image.
    await imageItem(failed.name).locator('.badge.status-failed').waitFor();
    expect(
      await imageItem(failed.name)
        .getByRole('link', { name: 'Download' })
        .count(),
    ).toBe(0);
    await screenshot(page, 'acc-03-stack-page');

    const link = item.getByRole('link', { name: 'Download' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      link.click(),
    ]);
    const file = await download.path();
    expect(await sha256File(file)).toBe(active.sha256);
    expect(download.suggestedFilename()).not.toBe('');

    // The same link, fetched with the browser's session (cookies), not an API token.
    const href = await link.getAttribute('href');
    const res = await page.request.get(`${base}${href}`);
    expect(res.status()).toBe(200);
    const body = await res.body();
    expect(body.length).toBe(active.size);
    expect(createHash('sha256').update(body).digest('hex')).toBe(active.sha256);
    // Without a session the link is refused.
    expect((await fetch(`${base}${href}`)).status).toBe(401);
  });

  it('shows a viewer no control that changes anything', async () => {
    await system.api.request<User>('POST', '/users', {
      username: VIEWER,
      password: VIEWER_PASSWORD,
      role: 'viewer',
    });
    // A running build, so that the admin page has a Cancel button to compare with.
    await system.api.createStack({
      name: 'long',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo started\nsleep 600',
    });
    const running = await system.api.build('long');
    await system.api.waitForImage(running.id, ['running'], 180_000);

    // The admin sees every control: the test would notice if the viewer did too.
    await page.goto(`${base}/stacks/shared`);
    await page.locator('li.image').nth(2).waitFor();
    const adminControls = await controlNames(page);
    for (const name of ['Edit', 'Build', 'Make active', 'Delete'])
      expect(adminControls).toContain(name);
    await page.goto(`${base}/stacks/long`);
    await page.getByRole('button', { name: 'Cancel' }).waitFor();

    const viewer = await browser.newContext({
      viewport: { width: 1280, height: 900 },
    });
    try {
      const v = await viewer.newPage();
      const viewerErrors = collectPageErrors(v);
      await signIn(v, VIEWER, VIEWER_PASSWORD);

      // Stacks list: no "New stack", no per-row Build.
      await v.getByRole('link', { name: 'shared', exact: true }).waitFor();
      expect(await v.locator('tbody tr').count()).toBe(3);
      expect(
        (await controlNames(v)).filter((n) => WRITE_CONTROLS.test(n)),
      ).toEqual([]);
      await screenshot(v, 'acc-04-viewer-stacks');

      // Stack pages: history and downloads yes, actions no.
      for (const name of ['shared', 'long', 'breaks']) {
        await v.goto(`${base}/stacks/${name}`);
        await v.locator('li.image').first().waitFor();
        await v.getByRole('link', { name: 'View log' }).first().waitFor();
        expect(
          (await controlNames(v)).filter((n) => WRITE_CONTROLS.test(n)),
        ).toEqual([]);
        if (name === 'shared') {
          expect(
            await v
              .locator('li.image')
              .getByRole('link', { name: 'Download' })
              .count(),
          ).toBe(2);
          await screenshot(v, 'acc-05-viewer-stack-page');
        }
      }

      // The form routes say so and offer no form at all.
      for (const path of ['/stacks/new', '/stacks/shared/edit']) {
        await v.goto(`${base}${path}`);
        await v.getByRole('heading', { name: 'No permission' }).waitFor();
        // (The hidden confirm dialog has a form of its own; the stack form is not there.)
        expect(await v.locator('form[aria-label="Stack"]').count()).toBe(0);
        expect(await v.locator('form:visible').count()).toBe(0);
        expect(
          (await controlNames(v)).filter((n) => WRITE_CONTROLS.test(n)),
        ).toEqual([]);
      }
      await screenshot(v, 'acc-06-viewer-edit-route');

      // A log page: no controls either.
      await v.goto(`${base}/stacks/shared/images/${active.id}/log`);
      await v.getByText('· complete').waitFor();
      expect(
        (await controlNames(v)).filter((n) => WRITE_CONTROLS.test(n)),
      ).toEqual([]);
      // The 401 of the signed-out check before signing in is expected.
      expect(viewerErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);

      // The API refuses anyway: the viewer's cookie session with a valid CSRF header…
      const csrf = (await viewer.cookies(base)).find(
        (c) => c.name === CSRF_COOKIE,
      )?.value;
      expect(csrf).toBeTruthy();
      const headers = { [CSRF_HEADER]: decodeURIComponent(csrf ?? '') };
      // …which is valid: a viewer may make itself an API token with it.
      const tokenRes = await v.request.post(`${base}/api/tokens`, {
        headers,
        data: { name: 'viewer-cli' },
      });
      expect(tokenRes.status()).toBe(201);
      const viewerToken = ((await tokenRes.json()) as { token: string }).token;

      const attempts: [string, string, unknown?][] = [
        [
          'POST',
          '/stacks',
          { name: 'sneaky', baseImageUrl: BUSYBOX_IMAGE, script: 'true' },
        ],
        ['PATCH', '/stacks/shared', { description: 'changed by a viewer' }],
        ['DELETE', '/stacks/breaks'],
        ['POST', '/stacks/shared/builds'],
        ['POST', `/images/${running.id}/cancel`],
        ['POST', `/images/${older.id}/activate`],
        ['DELETE', `/images/${failed.id}`],
      ];
      for (const [method, path, data] of attempts) {
        const cookieRes = await v.request.fetch(`${base}/api${path}`, {
          method,
          headers,
          data,
        });
        expect([method, path, cookieRes.status()]).toEqual([method, path, 403]);
        expect(await cookieRes.text()).toContain('needs the member role');
      }

      // …and the viewer's API token.
      const cli = new ApiClient(base);
      cli.token = viewerToken;
      expect((await cli.raw('GET', '/auth/me')).status).toBe(200);
      for (const [method, path, data] of attempts) {
        const tokenAttempt = await cli.raw(method, path, data);
        expect([method, path, tokenAttempt.status]).toEqual([
          method,
          path,
          403,
        ]);
        expect(await tokenAttempt.text()).toContain('needs the member role');
      }
    } finally {
      await viewer.close();
    }

    // Nothing changed.
    expect(
      (await system.api.getStack('shared')).description ?? '',
    ).not.toContain('viewer');
    expect((await system.api.getStack('breaks')).name).toBe('breaks');
    expect((await system.api.images('shared')).length).toBe(3);
    expect((await system.api.image(older.id)).active).toBe(false);
    expect((await system.api.image(active.id)).active).toBe(true);
    expect((await system.api.image(running.id)).status).toBe('running');
    await expect(system.api.getStack('sneaky')).rejects.toMatchObject({
      status: 404,
    });

    await system.api.cancel(running.id);
    await system.api.waitForImage(running.id);
  });

  it('produced no browser errors', () => {
    // The 401 of the signed-out check before signing in is expected.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});

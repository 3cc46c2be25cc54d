import type { Browser, BrowserContext, Page } from 'playwright-core';
import { BUSYBOX_IMAGE, type TestSystem } from '../support';
import { collectPageErrors, screenshot, startWebSystem } from './browser';

/** 300 numbered lines, every 10th in green, then a bold red marker. */
const SCRIPT_V1 = [
  '#!/bin/sh',
  'i=1',
  'while [ $i -le 300 ]; do',
  `  if [ $((i % 10)) -eq 0 ]; then printf '\\033[32mgreen line %d\\033[0m\\n' $i; else echo "line $i"; fi`,
  '  i=$((i+1))',
  'done',
  `printf '\\033[1;31mprovisioning done\\033[0m\\n'`,
].join('\n');

/**
 * The SPA served by the real API (WEB_DIST_DIR) with a real builder, driven through Chromium:
 * sign-in, stack form validation, Save and Build, the live log, image history and diffs,
 * the 409 on deleting a linked stack, and API tokens.
 */
describe('web dashboard', () => {
  let system: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let base: string;

  beforeAll(async () => {
    ({ system, browser, base } = await startWebSystem());
    context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
    });
    page = await context.newPage();
    errors = collectPageErrors(page);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await system?.stop();
  });

  it('sends a signed-out visitor to the login page and back after signing in', async () => {
    await page.goto(`${base}/stacks`);
    await page.waitForURL(/\/login\?returnUrl=%2Fstacks/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Wrong username or password' })
      .waitFor();

    await page.getByLabel('Password').fill(system.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/stacks`);
    await page.getByRole('heading', { name: 'No stacks yet' }).waitFor();
    expect(await page.locator('.user-name').textContent()).toContain('admin');
    await screenshot(page, '01-stacks-empty');
  });

  it('validates the stack form on the client and shows the errors at their fields', async () => {
    await page.getByRole('link', { name: 'New stack' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Not A Slug');
    await page.getByLabel('Base image URL').fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .locator('#stack-name-error')
      .filter({ hasText: 'lowercase' })
      .waitFor();
    await page
      .locator('#stack-base-error')
      .filter({ hasText: 'http(s) URL or an absolute path' })
      .waitFor();
    expect(
      await page
        .getByLabel('Name', { exact: true })
        .getAttribute('aria-invalid'),
    ).toBe('true');
    await screenshot(page, '02-stack-form-errors');
  });

  it('saves and builds a stack, then streams its coloured log live', async () => {
    await page.getByLabel('Name', { exact: true }).fill('web-e2e');
    await page.getByLabel('Description').fill('Built by the browser test');
    await page.getByLabel('Base image URL').fill(BUSYBOX_IMAGE);
    // The CodeMirror editor (a contenteditable): fill replaces the template it starts with.
    await page.locator('#stack-script').fill(SCRIPT_V1);
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Name of variable 1').fill('GREETING');
    await page.getByLabel('Value of variable 1').fill('hello');
    await page.getByRole('button', { name: 'Save and Build' }).click();

    await page.waitForURL(/\/stacks\/web-e2e\/images\/[0-9a-f-]+\/log$/);
    await page
      .locator('vr-status-badge')
      .filter({ hasText: 'succeeded' })
      .waitFor({ timeout: 180_000 });
    await page.getByText('· complete').waitFor();
    // 300 script lines plus whatever the builder prints around them.
    const count = Number(
      /(\d+) lines/.exec(
        (await page.locator('.log-title + p').textContent()) ?? '',
      )?.[1],
    );
    expect(count).toBeGreaterThanOrEqual(301);
    // Following the end: the last line is on screen, in bold red.
    const done = page.locator('.row .text span', {
      hasText: 'provisioning done',
    });
    await done.waitFor();
    expect(await done.evaluate((el) => getComputedStyle(el).fontWeight)).toBe(
      '700',
    );
    expect(await done.getAttribute('style')).toContain('var(--ansi-1)');
    // Only a window of rows is in the DOM.
    expect(await page.locator('.row').count()).toBeLessThan(count);
    await screenshot(page, '03-log-live-end');

    // Search: every 10th line says "green".
    await page.getByLabel('Search the log').fill('green line');
    await page.locator('.count').filter({ hasText: 'of 30 lines' }).waitFor();
    // The search starts at the first match on screen (the end, here); Next moves on, wrapping.
    const current = async () =>
      Number(
        /(\d+) of 30/.exec(
          (await page.locator('.count').textContent()) ?? '',
        )?.[1],
      );
    const before = await current();
    await page.getByRole('button', { name: 'Next match' }).click();
    await page
      .locator('.count')
      .filter({ hasText: `${(before % 30) + 1} of 30 lines` })
      .waitFor();
    const currentRow = page.locator('.row.current-match');
    await currentRow.waitFor();
    expect(await currentRow.locator('.match').textContent()).toBe('green line');
    await screenshot(page, '04-log-search');
  });

  it('opens a log at a linked line and highlights it', async () => {
    const url = page.url().split('#')[0];
    await page.goto(`${url}#L42`);
    const row = page.locator('#L42');
    await row.waitFor();
    expect(await row.getAttribute('class')).toContain('selected');
    expect(await row.locator('.ln').getAttribute('href')).toMatch(/\/log#L42$/);
    await screenshot(page, '05-log-linked-line');
  });

  it('lists the image history and diffs the script of a new build against the previous one', async () => {
    await system.api.request('PATCH', '/stacks/web-e2e', {
      script: SCRIPT_V1.replace('provisioning done', 'provisioning v2 done'),
    });
    const second = await system.api.waitForImage(
      (await system.api.build('web-e2e')).id,
    );
    expect(second.status).toBe('succeeded');

    await page.goto(`${base}/stacks/web-e2e`);
    const images = page.locator('li.image');
    await images.nth(1).waitFor();
    expect(await images.count()).toBe(2);
    expect(await images.nth(0).locator('.badge-active').count()).toBe(1);
    expect(await images.nth(0).textContent()).toContain(second.name);
    expect(await images.nth(0).textContent()).toContain('SHA-256');
    await images
      .nth(0)
      .getByRole('button', { name: /Show script diff/ })
      .click();
    await images
      .nth(0)
      .locator('.diff-add', { hasText: 'provisioning v2 done' })
      .waitFor();
    await images
      .nth(0)
      .locator('.diff-del', { hasText: 'provisioning done' })
      .waitFor();
    await screenshot(page, '06-stack-images-diff');

    // Roll back to the first image.
    await images.nth(1).getByRole('button', { name: 'Make active' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'is now the active image' })
      .waitFor();
    await images.nth(1).locator('.badge-active').waitFor();
    expect(await images.nth(0).locator('.badge-active').count()).toBe(0);
  });

  it('shows the 409 when deleting a stack that an app links to', async () => {
    await page.goto(`${base}/apps/new`);
    await page.getByLabel('Name', { exact: true }).fill('shop');
    await page
      .getByLabel('Repository')
      .fill('https://git.example.com/shop.git');
    await page.getByLabel('Stack').selectOption({ label: 'web-e2e' });
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(/\/apps\/[0-9a-f-]+$/);
    await page.getByRole('heading', { name: 'Builds' }).waitFor();

    await page.goto(`${base}/stacks/web-e2e/edit`);
    await page.getByRole('button', { name: 'Delete stack' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.filter({ hasText: 'shop' }).waitFor();
    await screenshot(page, '07-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete stack' }).click();
    const alert = page
      .getByRole('alert')
      .filter({ hasText: 'The stack was not deleted' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('shop');
    expect((await system.api.getStack('web-e2e')).name).toBe('web-e2e');
    await screenshot(page, '08-delete-refused');
  });

  it('creates an API token that is shown once and works, then revokes it', async () => {
    await page.goto(`${base}/settings/tokens`);
    await page.getByLabel('Name', { exact: true }).fill('browser-made');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New token').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, '09-token-created');
    const check = () =>
      fetch(`${base}/api/auth/me`, {
        headers: { authorization: `Bearer ${secret}` },
      });
    expect((await check()).status).toBe(200);

    await page
      .getByRole('button', { name: 'Revoke token browser-made' })
      .click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page
      .getByRole('button', { name: 'Revoke token browser-made' })
      .waitFor({ state: 'detached' });
    expect((await check()).status).toBe(401);
    await page.reload();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    expect(await page.getByLabel('New token').count()).toBe(0);
  });

  it('lays the stacks list out for a phone', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    await small.goto(`${base}/stacks`);
    await small.getByRole('link', { name: 'web-e2e', exact: true }).waitFor();
    const overflow = await small.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await small.getByRole('button', { name: 'Menu' }).click();
    await small.getByRole('button', { name: /Platform/ }).click();
    await small.getByRole('link', { name: 'Apps' }).waitFor();
    await screenshot(small, '10-phone-stacks');
    await phone.close();
  });

  it('produced no browser errors', () => {
    // 401s while signed out and the 409 are expected failed requests, not script errors.
    const unexpected = errors.filter((e) => !/status of (401|409)/.test(e));
    expect(unexpected).toEqual([]);
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BUSYBOX_IMAGE, ROOT, TestSystem } from '../support';

/** Screenshots of the browser tests (gitignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts/web');

/** The system Chromium, headless; never a downloaded browser. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({
    path: join(ARTIFACTS, `${name}.png`),
    fullPage: true,
  });
}

/** Browser console errors and uncaught exceptions, so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** The built SPA that the API under test serves. */
export const WEB_DIST = join(ROOT, 'dist/apps/web/browser');

/** One API serving the built SPA, one builder, and the system Chromium. */
export async function startWebSystem(): Promise<{
  system: TestSystem;
  browser: Browser;
  base: string;
}> {
  for (const f of [BUSYBOX_IMAGE, join(WEB_DIST, 'index.html')]) {
    if (!existsSync(f))
      throw new Error(
        `missing ${f}: run scripts/fixtures/make-base-images.sh and "nx build web"`,
      );
  }
  const system = await TestSystem.start({
    apis: 1,
    builders: 1,
    apiEnv: { WEB_DIST_DIR: WEB_DIST },
  });
  try {
    return { system, browser: await launchBrowser(), base: system.apis[0].url };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../.artifacts/screenshots');

export const SIZES = {
  wide: { width: 1280, height: 800 },
  narrow: { width: 900, height: 600 },
} as const;

export type Scheme = 'light' | 'dark';

/** Headless Chromium with a fresh profile, as the project's CI runs it. */
export async function launch(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'lens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.LENS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: SIZES.wide,
    colorScheme: 'light',
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (errors.length) throw new Error(`errors in the page:\n${errors.join('\n')}`);
    },
  };
}

/**
 * Saves `name-<scheme>-<width>.png` for each colour scheme and size, restoring light/wide after.
 * `target` is scrolled to the top after each change (the layout moves it); 'top' scrolls the page up.
 */
export async function screenshots(
  page: Page,
  name: string,
  opts: { fullPage?: boolean; target?: Locator | 'top' } = {},
): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const size of Object.values(SIZES)) {
      await page.setViewportSize(size);
      await page.waitForTimeout(250); // layout and theme transitions
      if (opts.target === 'top') {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.waitForTimeout(100);
      } else if (opts.target) {
        await opts.target.evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.waitForTimeout(100);
      }
      const file = join(SCREENSHOT_DIR, `${name}-${scheme}-${size.width}.png`);
      await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
      files.push(file);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(SIZES.wide);
  return files;
}

/** Engine API over its unix socket (to check what a prune really did). */
function engineGet(engine: string, path: string): Promise<unknown> {
  const socketPath = engine.replace(/^unix:\/\//, '');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Ids of the engine's BuildKit cache-mount records whose description contains `marker`. */
export async function cacheMountIds(engine: string, marker: string): Promise<string[]> {
  const df = (await engineGet(engine, '/system/df?type=build-cache')) as {
    BuildCache?: { ID: string; Type: string; Description: string }[];
  };
  return (df.BuildCache ?? [])
    .filter((r) => r.Type === 'exec.cachemount' && r.Description.includes(marker))
    .map((r) => r.ID);
}

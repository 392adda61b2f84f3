import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheMountIds, launch, SCREENSHOT_DIR, screenshots } from './browser';

/**
 * The standalone page in headless Chromium, against the real backend and a real engine with the fixture
 * images: what a user sees after each step, with screenshots in light and dark, wide and narrow.
 */

const env = inject('lensBrowser');
const DOCKER = process.env.LENS_DOCKER_CLI ?? '/usr/bin/docker';
const SINGLE = 'lens-fixture/single-stage:latest';
const CLEAN = 'lens-fixture/multistage-clean:latest';

const DOCKERFILE = `FROM golang:1.22
WORKDIR /src
COPY . .
RUN go mod download
RUN go build -o /usr/local/bin/app .
CMD ["app"]
`;

/** The backend's API with the page's token, for set-up steps that are not what a test is about. */
async function api(path: string, init: RequestInit = {}): Promise<unknown> {
  const url = new URL(env.url);
  const token = url.searchParams.get('token')!;
  const res = await fetch(new URL(path, url.origin), {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function analyseByApi(image: string): Promise<void> {
  const { id } = (await api('/api/analyses', { method: 'POST', body: JSON.stringify({ image }) })) as {
    id: string;
  };
  for (let i = 0; i < 600; i++) {
    const job = (await api(`/api/analyses/${id}`)) as { status: string; error?: { message: string } };
    if (job.status === 'done') return;
    if (job.status === 'failed' || job.status === 'cancelled')
      throw new Error(`analysis of ${image}: ${job.error?.message}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`analysis of ${image} did not finish`);
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allInnerTexts();
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
}

describe.skipIf(!!env.skip)(
  `GoCache Lens standalone page${env.skip ? ` (skipped: ${env.skip})` : ''}`,
  () => {
    let browser: Awaited<ReturnType<typeof launch>>;
    let page: Page;

    beforeAll(async () => {
      browser = await launch();
      page = browser.page;
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('opens the overview with the engine and image store', async () => {
      await page.goto(env.url);
      await page.getByRole('heading', { name: 'Overview', exact: true }).waitFor();
      // The token moved from the address bar into the tab's session storage.
      expect(page.url()).not.toContain('token=');
      const chip = page.getByTestId('engine-status');
      await chip.getByText(/^Docker \d+\.\d+/).waitFor();
      expect(await chip.innerText()).toMatch(
        /^Docker \d+\.\d+\.\d+\S* · (containerd image store|overlay2 store)$/,
      );
      await page
        .getByTestId('stat-engine')
        .getByText(/API 1\.\d+/)
        .waitFor();
      // A fresh store: nothing analysed yet, and the page says what to do.
      await page.getByText('No image analysed yet', { exact: true }).waitFor();
      await screenshots(page, 'overview-empty');
    });

    it(`analyses ${SINGLE} and shows its polluted layer and modules`, async () => {
      await openTab(page, 'Images');
      await page.getByLabel('Filter images').fill('single-stage');
      const row = page.getByTestId('image-row').filter({ hasText: 'lens-fixture/single-stage' });
      await row.waitFor();
      expect(await row.innerText()).toContain('Not analysed');
      await screenshots(page, 'images-filtered');
      await row.click();
      await page.getByRole('heading', { name: SINGLE }).waitFor();
      await page.getByText('Not analysed yet').waitFor();
      // The standalone page follows a running job as server-sent events (token in the query string).
      const events = page.waitForRequest((r) => /\/api\/analyses\/[^/]+\/events\?token=/.test(r.url()), {
        timeout: 30_000,
      });
      await page.getByRole('button', { name: 'Analyse this image' }).click();

      // Progress while the export is read (cold: several seconds for ~900 MB).
      const progress = page.getByTestId('analysis-progress');
      await progress.waitFor({ timeout: 10_000 });
      await progress.getByText(/Reading layers|Starting|Queued/).waitFor();
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'image-analysing-light-1280.png') });

      await events;
      const polluted = page.locator('[data-testid="layer"][data-go-cache="true"]');
      await polluted.first().waitFor({ timeout: 150_000 });
      expect(await page.getByTestId('analysis-summary').innerText()).toContain('Polluted');
      const findings = await texts(page, '[data-testid="finding"]');
      expect(findings.some((f) => f.includes('Go module cache ships in the image'))).toBe(true);
      expect(findings.some((f) => f.includes('Go build cache ships in the image'))).toBe(true);

      // The layer that ran `go mod download` holds the module cache, module by module.
      const download = polluted.filter({ hasText: 'go mod download' });
      expect(await download.count()).toBe(1);
      if ((await download.getByTestId('layer-detail').count()) === 0)
        await download.getByRole('button').first().click();
      const modules = download.getByTestId('module-row');
      await modules.first().waitFor();
      const rows = (await modules.allInnerTexts()).map((r) => r.split('\t').slice(0, 2).join('@'));
      expect(rows).toEqual(
        expect.arrayContaining([
          'example.com/liba@v1.1.0',
          'example.com/Libb@v1.0.0',
          'example.com/libc@v2.0.0+incompatible',
        ]),
      );
      expect(await download.innerText()).toMatch(/Go module cache at\s+\/go\/pkg\/mod/);
      // The build layer carries the build cache.
      const build = polluted.filter({ hasText: 'go build' });
      expect(await build.count()).toBe(1);
      await screenshots(page, 'image-detail', { target: 'top' });
      await screenshots(page, 'image-layers', { target: page.getByRole('heading', { name: /^Layers/ }) });
    });

    it('prunes Go cache mounts after showing the dry run', async () => {
      // A Go module cache mount of our own, so the test does not depend on what else ran on the engine.
      const marker = `lens-ui-${randomBytes(4).toString('hex')}`;
      const dir = mkdtempSync(join(tmpdir(), 'lens-ui-prune-'));
      try {
        writeFileSync(
          join(dir, 'Dockerfile'),
          `FROM lens-base/busybox:latest\nRUN --mount=type=cache,target=/go/pkg/mod,id=${marker} sh -c "mkdir -p /go/pkg/mod/cache/download/example.com && head -c 300000 /dev/urandom > /go/pkg/mod/cache/download/example.com/${marker}.zip"\n`,
        );
        execFileSync(
          DOCKER,
          ['-H', env.engine, 'build', '--network=none', '--output', 'type=cacheonly', dir],
          {
            stdio: 'pipe',
            env: { ...process.env, DOCKER_BUILDKIT: '1' },
          },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(await cacheMountIds(env.engine, marker)).toHaveLength(1);

      await openTab(page, 'Build cache');
      await page.getByRole('heading', { name: 'Build cache', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      const ours = page
        .getByTestId('group-Go module cache')
        .getByTestId('cache-record')
        .filter({ hasText: marker });
      await ours.waitFor();
      expect(await ours.innerText()).toContain('/go/pkg/mod');
      await screenshots(page, 'build-cache');

      await page.getByRole('button', { name: 'Prune Go caches' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const summary = await dialog.getByTestId('prune-summary').innerText();
      expect(summary).toMatch(/^This deletes \d+ Go cache records? and frees about [\d.]+ (B|kB|MB|GB)\.$/);
      expect(await dialog.getByRole('list', { name: 'Records to prune' }).innerText()).toContain(
        '/go/pkg/mod',
      );
      // Nothing is deleted by the dry run.
      expect(await cacheMountIds(env.engine, marker)).toHaveLength(1);
      await screenshots(page, 'prune-dialog');

      await dialog.getByRole('button', { name: /^Prune / }).click();
      const toast = page.getByTestId('toast');
      await toast.waitFor({ timeout: 60_000 });
      expect(await toast.innerText()).toMatch(/Reclaimed [\d.]+ (B|kB|MB|GB) from \d+ Go cache records?/);
      await dialog.waitFor({ state: 'detached' });
      expect(await cacheMountIds(env.engine, marker)).toEqual([]);
      await page
        .getByTestId('group-Go module cache')
        .getByTestId('cache-record')
        .filter({ hasText: marker })
        .waitFor({ state: 'detached' });
      await screenshots(page, 'build-cache-pruned');
      await toast.getByRole('button', { name: 'Close' }).click();
    });

    it('finds the Go cache mistakes in a Dockerfile and shows the fixed one side by side', async () => {
      await openTab(page, 'Dockerfile doctor');
      await page.getByLabel('Dockerfile').fill(DOCKERFILE);
      const findings = page.getByTestId('doctor-finding');
      await findings.first().waitFor();
      const all = await findings.allInnerTexts();
      expect(all.some((f) => f.includes('no-module-cache-mount'))).toBe(true);
      expect(all.some((f) => f.includes('toolchain-in-final-image'))).toBe(true);
      // The lines a finding points at are highlighted in the editor.
      expect(await page.locator('[data-testid="dockerfile-editor"] [data-mark]').count()).toBeGreaterThan(0);
      await screenshots(page, 'doctor-findings');

      await page.getByRole('button', { name: 'Fix Dockerfile' }).click();
      const result = page.getByTestId('fix-result');
      await result.waitFor();
      const added = (await result.locator('[data-diff="added"]').allInnerTexts()).join('\n');
      expect(added).toContain('--mount=type=cache');
      expect(await result.locator('[data-diff="removed"]').count()).toBeGreaterThan(0);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        result.getByRole('button', { name: 'Download', exact: true }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('Dockerfile');
      const saved = await download.path();
      expect(readFileSync(saved, 'utf8')).toContain('--mount=type=cache');
      await screenshots(page, 'doctor-fix', { target: result });
    });

    it('compares two analysed images by category', async () => {
      await analyseByApi(CLEAN);
      await openTab(page, 'Compare');
      await page.getByRole('heading', { name: 'Compare', exact: true }).waitFor();
      await page.getByText('Pick at least two images').waitFor();
      const input = page.getByRole('combobox', { name: /Images to compare/ });
      for (const name of ['single-stage', 'multistage-clean']) {
        await input.click();
        await input.fill(name);
        await page.getByRole('option', { name: new RegExp(`lens-fixture/${name}:latest`) }).click();
      }
      const rows = page.getByTestId('compare-row');
      await rows.nth(1).waitFor();
      const [single, clean] = await rows.allInnerTexts();
      expect(single).toContain('lens-fixture/single-stage:latest');
      expect(single).toMatch(/Go caches [\d.]+ (kB|MB)/);
      expect(clean).toContain('Go caches 0 B (0%)');
      expect(await rows.first().locator('[data-segment="moduleCache"]').count()).toBe(1);
      expect(await rows.nth(1).locator('[data-segment="moduleCache"]').count()).toBe(0);
      await page.getByTestId('trend-point').first().waitFor();
      await screenshots(page, 'compare');
    });

    it('sums up the analysed images on the overview', async () => {
      await openTab(page, 'Overview');
      const worst = page.getByTestId('worst-image');
      await worst.first().waitFor();
      expect(await worst.first().innerText()).toContain(SINGLE);
      expect(await page.getByTestId('stat-module-cache').innerText()).toMatch(/[\d.]+ (kB|MB)/);
      await screenshots(page, 'overview');
    });
  },
);

import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheMountIds, launch, screenshots } from './browser';
import { startBackend } from './globalSetup';

/**
 * The Builds tab and the build page in headless Chromium, against the real backend and engine: from a
 * polluted image to the build that made it, its Dockerfile findings and the fix; builds appearing live;
 * a failed build's failing lines; and a real `checksum mismatch` cleared by the scoped prune it offers.
 * The file runs its own backend with its own result store, so what it analyses does not leak into the
 * other browser tests.
 */

const env = inject('lensBrowser');
const DOCKER = process.env.LENS_DOCKER_CLI ?? '/usr/bin/docker';
const SINGLE = 'lens-fixture/single-stage:latest';
const GO_BASE = 'lens-base/go:bookworm';
const BUSYBOX = 'lens-base/busybox:latest';
const run = randomBytes(4).toString('hex');

/** The single-stage fixture's Dockerfile, with a marker step: a polluted image of our own. */
const POLLUTED_DOCKERFILE = `FROM ${GO_BASE}
WORKDIR /src
COPY app/go.mod app/go.sum ./
RUN --mount=type=bind,source=proxy,target=/proxy GOPROXY=file:///proxy GOFLAGS=-mod=mod CGO_ENABLED=0 go mod download
COPY app/ ./
RUN --mount=type=bind,source=proxy,target=/proxy GOPROXY=file:///proxy GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o /usr/local/bin/app . && echo ${run} > /marker
CMD ["app"]
`;

/** `docker build` without blocking the event loop (the page and its event stream keep running). */
function docker(args: string[], input?: string, cwd?: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      DOCKER,
      ['-H', env.engine, ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOCKER_BUILDKIT: '1' } },
      (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input ?? '');
  });
}

async function moduleWorld(): Promise<{ contextDir: string }> {
  const { ensureModuleWorld } = await import('../../../backend/test/fixtures/goModules.js');
  return ensureModuleWorld();
}

describe.skipIf(!!env.skip)(
  `Builds in the standalone page${env.skip ? ` (skipped: ${env.skip})` : ''}`,
  () => {
    let browser: Awaited<ReturnType<typeof launch>>;
    let page: Page;
    let backend: { child: ChildProcess; url: string } | undefined;
    let storeDir: string;
    const made: string[] = [];

    /** This file's backend, with the page's token. */
    async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
      const url = new URL(backend!.url);
      const res = await fetch(new URL(path, url.origin), {
        ...init,
        headers: {
          authorization: `Bearer ${url.searchParams.get('token')!}`,
          'content-type': 'application/json',
        },
      });
      return { status: res.status, body: await res.json() };
    }

    async function openTab(name: string): Promise<void> {
      await page.getByRole('tab', { name }).click();
    }

    beforeAll(async () => {
      storeDir = mkdtempSync(join(tmpdir(), 'lens-ui-builds-store-'));
      backend = await startBackend(env.engine, storeDir);
      browser = await launch();
      page = browser.page;
      await page.goto(backend.url);
      await page.getByRole('heading', { name: 'Overview', exact: true }).waitFor();
    });

    afterAll(async () => {
      await browser?.close();
      if (backend && backend.child.exitCode === null) {
        const exited = new Promise((done) => backend!.child.once('exit', done));
        backend.child.kill('SIGTERM');
        await exited;
      }
      rmSync(storeDir, { recursive: true, force: true });
      for (const tag of made) await docker(['rmi', '-f', tag]);
    });

    it('walks from a polluted image to its build, its Dockerfile findings and the fix', async () => {
      // The fixture images are built by BuildKit on this engine, so the fixture normally has a record; when
      // the build history was pruned, build a polluted image of our own.
      let image = SINGLE;
      if ((await api(`/api/images/${encodeURIComponent(SINGLE)}/build`)).status === 404) {
        image = `lens-ui-polluted-${run}:latest`;
        const world = await moduleWorld();
        const built = await docker(
          ['build', '--network=none', '-t', image, '-f', '-', world.contextDir],
          POLLUTED_DOCKERFILE,
        );
        expect(built.ok, built.out).toBe(true);
        made.push(image);
      }
      const [name] = image.split(':');

      await openTab('Images');
      await page.getByLabel('Filter images').fill(name!);
      await page.getByTestId('image-row').filter({ hasText: name! }).first().click();
      await page.getByRole('heading', { name: image }).waitFor();

      // Before any analysis the image page already names its build and the Dockerfile's findings.
      const builtBy = page.getByTestId('built-by');
      const downloadFinding = builtBy
        .getByTestId('built-by-finding')
        .filter({ hasText: 'no-module-cache-mount' })
        .filter({ hasText: 'go mod download' });
      await downloadFinding.waitFor({ timeout: 30_000 });
      expect(await downloadFinding.getByRole('button', { name: /Show layer/ }).count()).toBe(0);

      // Analysed, each finding leads to the layer its instruction made.
      await page.getByRole('button', { name: 'Analyse this image' }).click();
      const link = downloadFinding.getByRole('button', { name: /^Show layer #\d+$/ });
      await link.waitFor({ timeout: 150_000 });
      const index = Number((await link.innerText()).replace(/\D+/g, ''));
      await page.getByTestId('layer').first().waitFor();
      const layer = page.getByTestId('layer').nth(index);
      await link.click();
      expect(await layer.getAttribute('data-go-cache')).toBe('true');
      expect(await layer.getByRole('button').first().getAttribute('aria-expanded')).toBe('true');
      await layer.getByTestId('layer-detail').waitFor();
      expect(await layer.innerText()).toContain('go mod download');
      expect(await layer.getByTestId('layer-detail').innerText()).toMatch(
        /Go module cache at\s+\/go\/pkg\/mod/,
      );
      await screenshots(page, 'image-built-by', { target: builtBy });

      // The build page: status, times, steps, the image, the Dockerfile with its findings on their lines.
      await builtBy.getByTestId('built-by-link').click();
      await page.getByRole('heading', { name: image }).waitFor();
      expect(page.url()).toMatch(/#\/builds\/[A-Za-z0-9]+$/);
      expect(await page.getByTestId('build-status').innerText()).toContain('Completed');
      expect(await page.getByTestId('build-duration').innerText()).toMatch(/\d+(\.\d+)? (ms|s)/);
      expect(await page.getByTestId('build-steps').innerText()).toMatch(/\d+ of \d+/);
      expect(await page.getByTestId('build-image-link').innerText()).toBe(image);
      const source = page.getByTestId('dockerfile-source');
      const downloadLine = source.locator('[data-line]').filter({ hasText: 'go mod download' });
      expect(await downloadLine.getAttribute('data-mark')).toBe('warning');
      const cards = page.getByTestId('doctor-finding');
      expect((await cards.allInnerTexts()).some((c) => c.includes('no-module-cache-mount'))).toBe(true);
      await cards.filter({ hasText: 'no-module-cache-mount' }).first().click();
      expect(await downloadLine.getAttribute('data-selected')).toBe('true');

      // The fix preview: the doctor's fixed Dockerfile side by side.
      const fix = page.getByTestId('fix-preview');
      const added = (await fix.locator('[data-diff="added"]').allInnerTexts()).join('\n');
      expect(added).toContain('--mount=type=cache,target=/go/pkg/mod');
      expect(await fix.locator('[data-diff="removed"]').count()).toBeGreaterThan(0);
      await screenshots(page, 'build-detail', { target: 'top' });
      await screenshots(page, 'build-fix', { target: fix });

      // And back to the image it produced.
      await page.getByTestId('build-image-link').click();
      await page.getByTestId('analysis-summary').waitFor();
      expect(await page.getByTestId('analysis-summary').innerText()).toContain('Polluted');
    });

    it('shows builds as they happen, and a failed build with its failing lines', async () => {
      await openTab('Builds');
      await page.getByRole('heading', { name: 'Builds', exact: true }).waitFor();
      await page.getByTestId('builds-feed').getByText('Live').waitFor({ timeout: 30_000 });
      await page.getByTestId('build-row').first().waitFor();

      // Built while the list is open: it appears without a refresh.
      const tag = `lens-ui-builds-${run}:latest`;
      const ok = await docker(
        ['build', '--network=none', '-t', tag, '-'],
        `FROM ${BUSYBOX}\nRUN echo ${run} > /m\n`,
      );
      expect(ok.ok, ok.out).toBe(true);
      made.push(tag);
      const row = page.getByTestId('build-row').filter({ hasText: tag });
      await row.waitFor({ timeout: 10_000 });
      expect(await row.innerText()).toContain('Completed');
      expect(await row.getByTestId('cache-hits').innerText()).toMatch(/^\d+%$/);
      await row.getByTestId('go-findings').getByText(/^\d+$/).waitFor();

      const failing = `FROM ${BUSYBOX}\nRUN echo ready-${run}\nRUN echo broke-${run} && \\\n    exit 3\nRUN echo never\n`;
      expect((await docker(['build', '--network=none', '-'], failing)).ok).toBe(false);
      const failedRow = page.getByTestId('build-row').filter({ hasText: `broke-${run}` });
      await failedRow.waitFor({ timeout: 10_000 });
      expect(await failedRow.innerText()).toContain('Failed');
      await page.mouse.move(0, 0);
      await screenshots(page, 'builds', { target: 'top' });

      await failedRow.click();
      const error = page.getByTestId('build-error');
      await error.waitFor();
      expect(await error.innerText()).toContain('The build failed at Dockerfile lines 3–4');
      expect(await error.getByLabel('Output of the failing step').innerText()).toContain(`broke-${run}`);
      const lines = await page
        .getByTestId('dockerfile-source')
        .locator('[data-failing]')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.line));
      expect(lines).toEqual(['3', '4']);
      await screenshots(page, 'build-failed', { target: 'top' });
    });

    it('clears the stale cache mount behind a real checksum mismatch with the scoped prune', async () => {
      const world = await moduleWorld();
      const id = `lens-ui-sum-${run}`;
      const mount = `--mount=type=cache,id=${id},target=/go/pkg/mod`;
      // One build fills the cache mount from the proxy with the re-tagged liba v1.1.0 ...
      const fill = await docker(
        ['build', '--network=none', '--output', 'type=cacheonly', '-f', '-', world.contextDir],
        `FROM ${GO_BASE}\nWORKDIR /src\nCOPY app/go.mod ./\nCOPY retagged/go.sum ./go.sum\nRUN --mount=type=bind,source=proxy-retagged,target=/proxy ${mount} GOPROXY=file:///proxy go mod download && echo ${id}\n`,
      );
      expect(fill.ok, fill.out).toBe(true);
      // ... and the app's real go.sum then fails on it.
      const fail = await docker(
        ['build', '--network=none', '--output', 'type=cacheonly', '-f', '-', world.contextDir],
        `FROM ${GO_BASE}\nWORKDIR /src\nCOPY app/ ./\nRUN --mount=type=bind,source=proxy,target=/proxy \\\n    ${mount} \\\n    GOPROXY=file:///proxy CGO_ENABLED=0 go build -o /out/app . && echo ${id}\n`,
      );
      expect(fail.ok).toBe(false);
      expect(fail.out).toMatch(/checksum mismatch/);
      const records = await cacheMountIds(env.engine, id);
      expect(records.length).toBeGreaterThan(0);

      await openTab('Builds');
      const row = page.getByTestId('build-row').filter({ hasText: `echo ${id}` });
      await row.waitFor({ timeout: 10_000 });
      await row.click();
      const panel = page.getByTestId('checksum-mismatch');
      await panel.waitFor();
      expect(await panel.innerText()).toContain('example.com/liba@v1.1.0');
      expect(
        await panel.getByRole('list', { name: 'Cache mounts of the failing step' }).innerText(),
      ).toContain(id);
      await screenshots(page, 'build-checksum', { target: 'top' });

      await panel.getByRole('button', { name: 'Prune this cache mount' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.getByTestId('prune-summary').innerText()).toMatch(
        new RegExp(`^This deletes ${records.length} Go cache records? and frees about [\\d.]+ (B|kB|MB)\\.$`),
      );
      await dialog
        .getByRole('list', { name: 'Records to prune' })
        .getByText(/\/go\/pkg\/mod/)
        .first()
        .waitFor();
      // The dry run deleted nothing.
      expect(await cacheMountIds(env.engine, id)).toEqual(records);
      await screenshots(page, 'build-checksum-prune');

      await dialog.getByRole('button', { name: /^Prune / }).click();
      const toast = page.getByTestId('toast');
      await toast.waitFor({ timeout: 60_000 });
      expect(await toast.innerText()).toMatch(/Reclaimed [\d.]+ (B|kB|MB) from \d+ Go cache records?/);
      await dialog.waitFor({ state: 'detached' });
      expect(await cacheMountIds(env.engine, id)).toEqual([]);
      // The build is read again: the hint has no record left to prune.
      await panel.getByText(/gone already/).waitFor();
      await toast.getByRole('button', { name: 'Close' }).click();
    });
  },
);

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/client';
import { detectEnvironment, takeToken } from '../../src/api/environment';
import { createLensStore } from '../../src/store';
import { formatHash, parseHash } from '../../src/store/nav';
import { overviewStats, worstImages } from '../../src/store/selectors';
import { buildCacheAnswer, CLEAN_ID, imagesAnswer, lintAnswer, SINGLE_ID } from '../support/data';
import { fakeTransport, memoryStorage, type Routes } from '../support/fakeTransport';

function setup(routes: Routes) {
  const fake = fakeTransport(routes);
  const storage = memoryStorage();
  const store = createLensStore({ client: fake.client, storage, pollMs: 10 });
  return { ...fake, store, storage };
}

describe('build cache slice: prune after a dry run', () => {
  const pruneRoute =
    (changed = false) =>
    (body: unknown) => {
      const b = body as { dryRun: boolean; confirm?: boolean; selection?: string };
      if (b.dryRun)
        return {
          dryRun: true,
          records: ['rec-mod', 'rec-build'],
          bytes: 420_000_000,
          selection: 'sel-1',
          skipped: [],
        };
      if (changed || b.selection !== 'sel-1')
        throw new ApiError('conflict', 'the build cache changed since the dry run', 409);
      return {
        dryRun: false,
        records: ['rec-mod', 'rec-build'],
        bytes: 420_000_000,
        selection: 'sel-1',
        skipped: [],
        reclaimedBytes: 419_500_000,
      };
    };

  it('shows the dry run, then prunes the same selection and reports the reclaimed space', async () => {
    const { store, calls } = setup({
      'GET /api/build-cache': buildCacheAnswer,
      'POST /api/build-cache/prune': pruneRoute(),
    });
    await store.getState().loadBuildCache();
    await store.getState().planPrune();
    expect(store.getState().prune).toMatchObject({
      phase: 'confirm',
      plan: { records: ['rec-mod', 'rec-build'], bytes: 420_000_000 },
    });
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    await store.getState().confirmPrune();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts[0]?.body).toEqual({ scope: 'go-caches', dryRun: true });
    expect(posts[1]?.body).toEqual({ scope: 'go-caches', dryRun: false, confirm: true, selection: 'sel-1' });
    expect(store.getState().prune.phase).toBe('idle');
    expect(store.getState().toasts.at(-1)).toMatchObject({
      severity: 'success',
      message: 'Reclaimed 420 MB from 2 Go cache records',
    });
    // The listing is read again after the prune.
    expect(calls.filter((c) => c.path === '/api/build-cache')).toHaveLength(2);
  });

  it('cancelling the dialog deletes nothing', async () => {
    const { store, calls } = setup({
      'GET /api/build-cache': buildCacheAnswer,
      'POST /api/build-cache/prune': pruneRoute(),
    });
    await store.getState().planPrune();
    store.getState().cancelPrune();
    await store.getState().confirmPrune();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('warns when the build cache changed between the dry run and the confirmation', async () => {
    const { store } = setup({
      'GET /api/build-cache': buildCacheAnswer,
      'POST /api/build-cache/prune': pruneRoute(true),
    });
    await store.getState().planPrune();
    await store.getState().confirmPrune();
    expect(store.getState().prune).toMatchObject({ phase: 'idle', error: { code: 'conflict' } });
    expect(store.getState().toasts.at(-1)?.severity).toBe('warning');
  });
});

describe('doctor slice', () => {
  it('lints, then fixes, keeping the text each answer belongs to', async () => {
    const { store, calls } = setup({
      'POST /api/dockerfile/lint': lintAnswer,
      'POST /api/dockerfile/fix': {
        fixed: 'FROM golang:1.22.5\n',
        diff: '--- a\n+++ b\n',
        findings: lintAnswer.findings,
      },
    });
    await store.getState().lintDockerfile();
    expect(calls).toHaveLength(0); // nothing to check in an empty editor
    store.getState().setDoctorContent('FROM golang:1.22\n', 'Dockerfile.dev');
    await store.getState().lintDockerfile();
    expect(store.getState().doctor.lint.data?.findings).toHaveLength(2);
    expect(store.getState().doctor.lintedContent).toBe('FROM golang:1.22\n');
    store.getState().setRuntimeImage('  ');
    await store.getState().fixDockerfile();
    expect(calls.at(-1)?.body).toEqual({ content: 'FROM golang:1.22\n' });
    expect(store.getState().doctor).toMatchObject({
      fixedContent: 'FROM golang:1.22\n',
      fileName: 'Dockerfile.dev',
    });
    store.getState().setRuntimeImage('alpine:3.20');
    await store.getState().fixDockerfile();
    expect(calls.at(-1)?.body).toEqual({ content: 'FROM golang:1.22\n', runtimeImage: 'alpine:3.20' });
  });

  it('keeps the error of a failed check', async () => {
    const { store } = setup({
      'POST /api/dockerfile/lint': () => {
        throw new ApiError('bad-input', 'not a Dockerfile', 400);
      },
    });
    store.getState().setDoctorContent('garbage');
    await store.getState().lintDockerfile();
    expect(store.getState().doctor.lint).toMatchObject({
      status: 'error',
      error: { code: 'bad-input', message: 'not a Dockerfile' },
    });
  });
});

describe('compare slice', () => {
  it('loads once two images are picked, and never more than five', async () => {
    const { store, calls } = setup({
      'GET /api/compare': { images: [] },
      'GET /api/analyses': { analyses: [] },
    });
    await store.getState().setCompareSelection([SINGLE_ID]);
    expect(calls).toHaveLength(0);
    expect(store.getState().compare.data.status).toBe('idle');
    await store.getState().setCompareSelection(['a', 'b', 'c', 'd', 'e', 'f', 'a']);
    expect(store.getState().compare.selected).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(calls[0]?.path).toBe('/api/compare?images=a%2Cb%2Cc%2Cd%2Ce');
    await store.getState().loadTrend(SINGLE_ID);
    expect(calls[1]?.path).toBe(`/api/analyses?image=${encodeURIComponent(SINGLE_ID)}&limit=30`);
    expect(store.getState().compare.trend.status).toBe('ready');
  });
});

describe('navigation and preferences', () => {
  it('round-trips views through the URL hash', () => {
    expect(parseHash('#/images/' + encodeURIComponent(SINGLE_ID))).toEqual({
      view: 'image',
      imageId: SINGLE_ID,
    });
    expect(formatHash({ view: 'image', imageId: 'a/b:c' })).toBe('#/images/a%2Fb%3Ac');
    expect(parseHash('#/build-cache')).toEqual({ view: 'build-cache' });
    expect(parseHash('#/nonsense')).toEqual({ view: 'overview' });
    expect(parseHash('#/images/%E0%A4%A')).toEqual({ view: 'images' });
  });

  it('remembers the theme choice', () => {
    const { store, storage } = setup({});
    expect(store.getState().themeMode).toBe('system');
    store.getState().setThemeMode('dark');
    const again = createLensStore({ client: fakeTransport({}).client, storage });
    expect(again.getState().themeMode).toBe('dark');
  });
});

describe('overview selectors', () => {
  it('adds up Go cache bytes of analysed images and what pruning frees', async () => {
    const { store } = setup({ 'GET /api/images': imagesAnswer, 'GET /api/build-cache': buildCacheAnswer });
    await store.getState().loadImages();
    await store.getState().loadBuildCache();
    const stats = overviewStats(store.getState().images.data, store.getState().buildCache.data);
    expect(stats).toMatchObject({
      images: 3,
      analysed: 2,
      polluted: 1,
      moduleCacheInImages: 61_000_000,
      buildCacheInImages: 45_000_000,
      moduleCacheMounts: 300_000_000,
      buildCacheMounts: 120_000_000,
      reclaimableMounts: 420_000_000,
      reclaimableImages: 106_000_000,
    });
    expect(worstImages(store.getState().images.data).map((i) => i.id)).toEqual([SINGLE_ID]);
    expect(worstImages(store.getState().images.data)).not.toContainEqual(
      expect.objectContaining({ id: CLEAN_ID }),
    );
  });
});

describe('environment', () => {
  it('takes the token from the address once and keeps it for the tab', () => {
    window.history.replaceState(null, '', '/?token=s3cret#/doctor');
    expect(takeToken()).toBe('s3cret');
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#/doctor');
    expect(takeToken()).toBe('s3cret');
    expect(detectEnvironment().client.kind).toBe('standalone');
  });

  it('uses ddClient inside Docker Desktop', () => {
    const w = window as Window & { ddClient?: unknown };
    w.ddClient = { extension: { vm: { service: { get: () => Promise.resolve({}) } } }, desktopUI: {} };
    try {
      const env = detectEnvironment();
      expect(env.client.kind).toBe('desktop');
      expect(env.desktop).toBe(w.ddClient);
    } finally {
      delete w.ddClient;
    }
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  analyzeImage,
  archiveFileSource,
  type ImageDescription,
  type ImageSource,
} from '../../../src/core/analyzeImage.js';
import type { AnalysisProgress } from '../../../src/core/analysisTypes.js';
import { LensError } from '../../../src/core/errors.js';
import { LAYER_SUMMARY_VERSION } from '../../../src/core/layers/layerSummary.js';
import { ResultStore, defaultStoreDir } from '../../../src/core/store/resultStore.js';
import {
  buildCacheEntries,
  configOf,
  goSumFor,
  legacyArchive,
  moduleCacheEntries,
  ociArchive,
  sha256,
  tarOf,
  type FakeModule,
  type ImageSpec,
} from './support/archives.js';

const MODS: FakeModule[] = [{ path: 'example.com/liba', version: 'v1.1.0' }];

async function spec(): Promise<ImageSpec> {
  return {
    layers: [
      await tarOf([{ name: 'bin/sh', size: 1000 }]),
      await tarOf([
        ...moduleCacheEntries('go/pkg/mod', MODS),
        { name: 'src/go.sum', content: goSumFor(MODS) },
      ]),
      await tarOf(buildCacheEntries('root/.cache/go-build', 5)),
    ],
    history: [
      { created_by: 'COPY busybox /bin # buildkit' },
      { created_by: 'ENV GOFLAGS=-mod=mod', empty_layer: true },
      { created_by: 'RUN /bin/sh -c go mod download # buildkit' },
      { created_by: 'RUN /bin/sh -c go build # buildkit' },
    ],
    tag: 'lens-test/app:1',
  };
}

/** An engine-like source: describe() without exporting, open() counted. */
function fakeSource(archive: Buffer, s: ImageSpec, opts: { describe?: boolean } = {}) {
  const calls = { open: 0, describe: 0 };
  const config = JSON.parse(configOf(s).toString()) as ImageDescription['config'];
  const source: ImageSource = {
    ref: 'lens-test/app:1',
    describe: async () => {
      calls.describe++;
      if (opts.describe === false) return undefined;
      return {
        id: 'sha256:engine-id',
        ref: 'lens-test/app:1',
        sizeBytes: 12345,
        diffIds: s.layers.map(sha256),
        config,
      };
    },
    open: async () => {
      calls.open++;
      return {
        stream: Readable.from(
          (function* () {
            for (let i = 0; i < archive.length; i += 4096) yield archive.subarray(i, i + 4096);
          })(),
        ),
        totalBytes: archive.length,
      };
    },
  };
  return { source, calls };
}

let dir: string;
let store: ResultStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lens-analyze-'));
  store = ResultStore.open(join(dir, 'store'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function counts(storeDir: string) {
  const db = new Database(join(storeDir, 'results.db'), { readonly: true });
  try {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { layers: n('layers'), analyses: n('analyses'), blobs: n('blobs') };
  } finally {
    db.close();
  }
}

describe('analyzeImage', () => {
  it('analyses cold, then warm without exporting; --no-cache reads again', async () => {
    const s = await spec();
    const { source, calls } = fakeSource(await ociArchive(s), s);
    const progress: AnalysisProgress[] = [];
    const cold = await analyzeImage(source, { store, onProgress: (p) => progress.push(p) });
    expect(calls.open).toBe(1);
    expect(cold.image).toEqual({
      ref: 'lens-test/app:1',
      id: 'sha256:engine-id',
      sizeBytes: cold.layers.reduce((s, l) => s + l.sizeBytes, 0),
    });
    expect(cold.image.sizeBytes).toBeGreaterThan(1000);
    expect(cold.layers.map((l) => l.createdBy)).toEqual([
      'COPY busybox /bin',
      'RUN /bin/sh -c go mod download',
      'RUN /bin/sh -c go build',
    ]);
    expect(cold.summary.polluted).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)!.bytesRead).toBeGreaterThan(0);
    expect(counts(join(dir, 'store'))).toEqual({ layers: 3, analyses: 1, blobs: 3 });

    const warm = await analyzeImage(source, { store });
    expect(calls.open).toBe(1); // not exported again
    expect(warm).toEqual(cold);

    const again = await analyzeImage(source, { store, noCache: true });
    expect(calls.open).toBe(2);
    expect(again).toEqual(cold);
    expect(store.listAnalyses({ imageId: 'sha256:engine-id' })).toHaveLength(3);
    expect(store.latestAnalysis('lens-test/app:1')?.result).toEqual(cold);
  });

  it('reuses known layers of another image (no walk) but still reads the new ones', async () => {
    const s = await spec();
    const first = fakeSource(await legacyArchive(s), s, { describe: false });
    await analyzeImage(first.source, { store });
    const s2: ImageSpec = {
      ...s,
      layers: [...s.layers, await tarOf([{ name: 'go/pkg/.wh.mod', content: '' }])],
    };
    s2.history = [...s.history!, { created_by: 'RUN /bin/sh -c go clean -modcache # buildkit' }];
    const second = fakeSource(await legacyArchive(s2), s2, { describe: false });
    const r = await analyzeImage(second.source, { store });
    expect(r.layers[3]!.deletedGoCacheBytes).toBeGreaterThan(0);
    expect(r.findings.map((f) => f.kind)).toContain('cache-deleted-later');
    expect(counts(join(dir, 'store')).layers).toBe(4);
  });

  it('stores nothing when the analysis fails, and reports cancellation', async () => {
    const s = await spec();
    const full = await legacyArchive(s);
    const broken = fakeSource(full.subarray(0, full.length - 3000), s, { describe: false });
    const e = await analyzeImage(broken.source, { store }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LensError);
    expect((e as LensError).code).toBe('bad-archive');
    expect(counts(join(dir, 'store'))).toEqual({ layers: 0, analyses: 0, blobs: 0 });

    const ac = new AbortController();
    const ok = fakeSource(full, s, { describe: false });
    const p = analyzeImage(ok.source, {
      store,
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.bytesRead > 0) ac.abort();
      },
    });
    ac.abort();
    const c = await p.catch((x: unknown) => x);
    expect((c as LensError).code).toBe('cancelled');
    expect(counts(join(dir, 'store')).analyses).toBe(0);
  });

  it('reads a docker save archive from a file, named by its tag', async () => {
    const s = await spec();
    const file = join(dir, 'image.tar');
    writeFileSync(file, await ociArchive(s));
    const r = await analyzeImage(archiveFileSource(file), { store });
    expect(r.image.ref).toBe('lens-test/app:1');
    expect(r.image.id).toBe(sha256(configOf(s)));
    expect(r.findings.map((f) => f.kind).sort()).toEqual(['build-cache-in-image', 'module-cache-in-image']);
    const missing = await analyzeImage(archiveFileSource(join(dir, 'nope.tar')), { store }).catch(
      (x: unknown) => x,
    );
    expect((missing as LensError).code).toBe('not-found');
  });
});

describe('ResultStore', () => {
  it('lists analyses newest first and finds the latest by id or ref', async () => {
    const s = await spec();
    const { source } = fakeSource(await legacyArchive(s), s);
    const r = await analyzeImage(source, { store });
    store.saveAnalysis({ ...r, image: { ...r.image, ref: 'other' } }, new Date('2030-01-01T00:00:00Z'));
    const all = store.listAnalyses({});
    expect(all.map((a) => a.ref)).toEqual(['other', 'lens-test/app:1']);
    expect(all[0]!.analyzedAt).toBe('2030-01-01T00:00:00.000Z');
    expect(store.listAnalyses({ ref: 'lens-test/app:1' })).toHaveLength(1);
    expect(store.listAnalyses({ limit: 1 })).toHaveLength(1);
    expect(store.latestAnalysis('sha256:engine-id')?.result.image.ref).toBe('other');
    expect(store.latestAnalysis('nothing')).toBeUndefined();
  });

  it('survives reopening and picks its directory from the environment', () => {
    store.putLayer('sha256:x', {
      version: LAYER_SUMMARY_VERSION,
      sizeBytes: 1,
      entries: 1,
      caches: [],
      goSums: [],
      whiteouts: [],
      opaques: [],
    });
    store.close();
    store = ResultStore.open(join(dir, 'store'));
    expect(store.getLayer('sha256:x')?.sizeBytes).toBe(1);
    expect(store.hasBlob('sha256:x')).toBe(true);
    expect(defaultStoreDir({ LENS_STORE: '/tmp/s' })).toBe('/tmp/s');
    expect(defaultStoreDir({ XDG_DATA_HOME: '/x' })).toBe(join('/x', 'gocache-lens'));
    expect(defaultStoreDir({ HOME: '/home/u' })).toMatch(/gocache-lens$/);
  });
});

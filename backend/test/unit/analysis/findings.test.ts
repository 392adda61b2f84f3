import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/core/analyzeImage.js';
import type { AnalysisResult, FindingKind } from '../../../src/core/analysisTypes.js';
import { activeGoPaths } from '../../../src/core/findings/goPaths.js';
import { insecureGoEnv, isWidePattern } from '../../../src/core/findings/insecureEnv.js';
import type { LayerSummary } from '../../../src/core/layers/layerSummary.js';
import {
  buildCacheEntries,
  bytesUnder,
  fakeHash,
  goSumFor,
  moduleCacheEntries,
  type FakeModule,
  type TEntry,
} from './support/archives.js';
import { walkEntries } from './support/walk.js';

const APP: FakeModule[] = [
  { path: 'example.com/liba', version: 'v1.1.0' },
  { path: 'example.com/Libb', version: 'v1.0.0' },
  { path: 'example.com/libc', version: 'v2.0.0+incompatible' },
];
const LIBD: FakeModule = { path: 'example.com/libd', version: 'v0.3.0' };

const BASE: TEntry[] = [
  { name: 'usr/lib/go/bin/go', size: 50_000 },
  {
    name: 'usr/lib/go/src/go.sum',
    content: 'golang.org/x/net v0.1.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n',
  },
];

async function image(layers: TEntry[][], env: string[] = ['GOPATH=/go']): Promise<AnalysisResult> {
  const summaries: LayerSummary[] = [];
  for (const l of layers) summaries.push(await walkEntries(l));
  return assemble({
    ref: 'test:latest',
    id: 'sha256:test',
    config: {
      config: { Env: env },
      history: [
        { created_by: 'ENV X=1', empty_layer: true },
        ...layers.map((_, i) => ({ created_by: `RUN /bin/sh -c step${i} # buildkit` })),
      ],
    },
    diffIds: layers.map((_, i) => `sha256:${i}`),
    summaries,
  });
}

const kinds = (r: AnalysisResult): FindingKind[] => r.findings.map((f) => f.kind).sort();

describe('stacking layers and deriving findings', () => {
  it('single-stage build: caches in the final image, no false foreign modules', async () => {
    const download = moduleCacheEntries('go/pkg/mod', APP);
    const build = buildCacheEntries('root/.cache/go-build', 30);
    const r = await image([BASE, [{ name: 'src/go.sum', content: goSumFor(APP) }], download, build]);
    expect(r.layers.map((l) => l.createdBy)).toEqual([
      'RUN /bin/sh -c step0',
      'RUN /bin/sh -c step1',
      'RUN /bin/sh -c step2',
      'RUN /bin/sh -c step3',
    ]);
    expect(kinds(r)).toEqual(['build-cache-in-image', 'module-cache-in-image']);
    expect(r.summary).toEqual({
      polluted: true,
      moduleCacheBytes: bytesUnder(download, ''),
      buildCacheBytes: bytesUnder(build, ''),
      wastedGoCacheBytes: 0, // all of it is visible, none hidden by later layers
    });
    const mod = r.findings.find((f) => f.kind === 'module-cache-in-image')!;
    expect(mod.layerIndex).toBe(2);
    expect(mod.message).toContain('3 modules, in /go/pkg/mod (its GOMODCACHE), mostly from layer #2');
    expect(mod.modules).toHaveLength(3);
    expect(r.layers[2]!.goCaches[0]!.modules.map((m) => m.version)).toEqual([
      'v1.0.0',
      'v1.1.0',
      'v2.0.0+incompatible',
    ]);
  });

  it('cleanup in a later layer (whiteouts): not polluted, cache-deleted-later, bytes counted once', async () => {
    const download = moduleCacheEntries('go/pkg/mod', APP);
    const build = buildCacheEntries('root/.cache/go-build', 30);
    const r = await image([
      BASE,
      download,
      build,
      [
        { name: 'go/pkg/.wh.mod', content: '' },
        { name: 'root/.cache/.wh.go-build', content: '' },
      ],
      [{ name: 'go/.wh.pkg', content: '' }], // deletes again: nothing left to count
    ]);
    expect(r.summary.polluted).toBe(false);
    expect(r.summary.moduleCacheBytes).toBe(0);
    expect(r.summary.wastedGoCacheBytes).toBe(bytesUnder(download, '') + bytesUnder(build, ''));
    expect(r.layers.map((l) => l.deletedGoCacheBytes)).toEqual([
      0,
      0,
      0,
      bytesUnder(download, '') + bytesUnder(build, ''),
      0,
    ]);
    expect(kinds(r)).toEqual(['cache-deleted-later']);
    expect(r.findings[0]).toMatchObject({ layerIndex: 3, severity: 'warning' });
    expect(r.findings[0]!.message).toMatch(/written by layers #1, #2/);
  });

  it('cleanup by rm + mkdir (opaque directories)', async () => {
    const download = moduleCacheEntries('go/pkg/mod', APP);
    const build = buildCacheEntries('root/.cache/go-build', 10);
    const r = await image([
      BASE,
      [...download, ...build],
      [
        { name: 'go/pkg/mod/', type: 'directory' },
        { name: 'go/pkg/mod/.wh..wh..opq', content: '' },
        { name: 'root/.cache/go-build/', type: 'directory' },
        { name: 'root/.cache/go-build/.wh..wh..opq', content: '' },
      ],
    ]);
    expect(r.summary.polluted).toBe(false);
    expect(r.layers[2]!.deletedGoCacheBytes).toBe(bytesUnder([...download, ...build], ''));
    expect(kinds(r)).toEqual(['cache-deleted-later']);
  });

  it('cleanup as the containerd store records it (a whiteout per child, files included)', async () => {
    const download = moduleCacheEntries('go/pkg/mod', APP);
    const build = buildCacheEntries('root/.cache/go-build', 20);
    const children = [...new Set(build.map((e) => e.name.split('/')[3]!))];
    const r = await image([
      BASE,
      [...download, ...build],
      [
        { name: 'go/pkg/mod/.wh.cache', content: '' },
        { name: 'go/pkg/mod/.wh.example.com', content: '' },
        ...children.map((c) => ({ name: `root/.cache/go-build/.wh.${c}`, content: '' })),
      ],
    ]);
    expect(children).toContain('README');
    expect(r.summary.polluted).toBe(false);
    expect(r.layers[2]!.deletedGoCacheBytes).toBe(bytesUnder([...download, ...build], ''));
    expect(kinds(r)).toEqual(['cache-deleted-later']);
  });

  it('a partial deletion leaves the rest in the image', async () => {
    const download = moduleCacheEntries('go/pkg/mod', APP);
    const r = await image([download, [{ name: 'go/pkg/mod/example.com/.wh.liba@v1.1.0', content: '' }]]);
    const extracted = bytesUnder(download, 'go/pkg/mod/example.com/liba@v1.1.0/');
    expect(r.layers[1]!.deletedGoCacheBytes).toBe(extracted);
    expect(r.summary.moduleCacheBytes).toBe(bytesUnder(download, '') - extracted);
    expect(kinds(r)).toEqual(['cache-deleted-later', 'module-cache-in-image']);
  });

  it('foreign modules: inherited from a base, absent from every go.sum', async () => {
    const r = await image([
      BASE,
      moduleCacheEntries('go/pkg/mod', [LIBD]),
      [{ name: 'src/go.sum', content: goSumFor(APP) }],
      moduleCacheEntries('go/pkg/mod', APP),
    ]);
    const foreign = r.findings.filter((f) => f.kind === 'foreign-modules');
    expect(foreign).toHaveLength(1);
    expect(foreign[0]).toMatchObject({ layerIndex: 1, modules: ['example.com/libd@v0.3.0'] });
  });

  it('no foreign-modules finding without any go.sum to compare against', async () => {
    const r = await image([BASE.slice(0, 1), moduleCacheEntries('go/pkg/mod', [LIBD])]);
    expect(kinds(r)).toEqual(['module-cache-in-image']);
  });

  it('checksum mismatch: a cached .ziphash disagrees with go.sum', async () => {
    const cached = APP.map((m) =>
      m.path === 'example.com/liba' ? { ...m, zipHash: fakeHash('retagged') } : m,
    );
    const r = await image([
      BASE,
      moduleCacheEntries('go/pkg/mod', cached),
      [{ name: 'src/go.sum', content: goSumFor(APP) }],
    ]);
    const mm = r.findings.filter((f) => f.kind === 'checksum-mismatch');
    expect(mm).toHaveLength(1);
    expect(mm[0]).toMatchObject({ severity: 'error', layerIndex: 1, modules: ['example.com/liba@v1.1.0'] });
    expect(mm[0]!.message).toContain(fakeHash('retagged'));
    // The go.sum deleted later no longer counts.
    const r2 = await image([
      BASE,
      moduleCacheEntries('go/pkg/mod', cached),
      [{ name: 'src/go.sum', content: goSumFor(APP) }],
      [{ name: 'src/.wh.go.sum', content: '' }],
    ]);
    expect(kinds(r2)).toEqual(['module-cache-in-image']);
  });

  it('insecure Go environment in the config', async () => {
    const r = await image(
      [BASE],
      [
        'PATH=/bin',
        'GOSUMDB=off',
        'GOFLAGS=-mod=mod -insecure',
        'GOINSECURE=*',
        'GONOSUMDB=*',
        'GOPRIVATE=*',
      ],
    );
    expect(kinds(r)).toEqual(['insecure-go-env']);
    expect(r.findings[0]).toMatchObject({
      severity: 'error',
      layerIndex: -1,
      env: ['GOSUMDB=off', 'GOFLAGS=-mod=mod -insecure', 'GOINSECURE=*', 'GONOSUMDB=*', 'GOPRIVATE=*'],
    });
    const scoped = await image(
      [BASE],
      ['GOPRIVATE=corp.example.com,*.internal.example.org', 'GONOSUMDB=github.com/myorg'],
    );
    expect(scoped.findings).toEqual([]);
  });

  it('judges GOPRIVATE-style patterns', () => {
    expect(
      ['*', '*.com', 'com', 'github.com', '1', '*,corp.example.com'].map((p) =>
        p.split(',').some(isWidePattern),
      ),
    ).toEqual([true, true, true, true, true, true]);
    expect(
      ['corp.example.com', '*.corp.example.com', 'github.com/myorg', 'example.com/private/*'].map(
        isWidePattern,
      ),
    ).toEqual([false, false, false, false]);
    expect(insecureGoEnv(new Map([['GOPROXY', 'http://proxy.local,direct']]))).toMatchObject({
      severe: false,
    });
    expect(insecureGoEnv(new Map([['GOSUMDB', 'sum.golang.org']]))).toBeUndefined();
  });

  it('decoy and vendored images: no findings at all', async () => {
    const r = await image([
      BASE,
      [
        { name: 'srv/pkg/mod/example.com/liba@v1.1.0/readme.txt', size: 9000 },
        { name: 'var/cache/go-build/00/file', size: 9000 },
        { name: 'src/vendor/example.com/liba/a.go', size: 500 },
        { name: 'src/vendor/modules.txt', content: '# example.com/liba v1.1.0\n' },
        { name: 'src/go.sum', content: goSumFor(APP) },
      ],
    ]);
    expect(r.findings).toEqual([]);
    expect(r.summary).toEqual({
      polluted: false,
      moduleCacheBytes: 0,
      buildCacheBytes: 0,
      wastedGoCacheBytes: 0,
    });
  });
});

describe('activeGoPaths', () => {
  it('follows GOMODCACHE, GOCACHE, GOPATH, HOME, XDG_CACHE_HOME and the user', () => {
    expect(activeGoPaths(new Map([['GOPATH', '/go']]))).toEqual({
      gomodcache: '/go/pkg/mod',
      gocache: '/root/.cache/go-build',
    });
    expect(
      activeGoPaths(
        new Map([
          ['GOMODCACHE', '/opt/gomod'],
          ['GOCACHE', '/var/cache/gobuild'],
        ]),
      ),
    ).toEqual({ gomodcache: '/opt/gomod', gocache: '/var/cache/gobuild' });
    expect(
      activeGoPaths(
        new Map([
          ['HOME', '/home/builder'],
          ['GOPATH', '/home/builder/go:/other'],
        ]),
        '1000:1000',
      ),
    ).toEqual({
      gomodcache: '/home/builder/go/pkg/mod',
      gocache: '/home/builder/.cache/go-build',
    });
    expect(activeGoPaths(new Map([['XDG_CACHE_HOME', '/xdg']]), 'root')).toEqual({
      gomodcache: '/root/go/pkg/mod',
      gocache: '/xdg/go-build',
    });
  });
});

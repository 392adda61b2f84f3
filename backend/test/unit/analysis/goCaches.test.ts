import { describe, expect, it } from 'vitest';
import { LensError } from '../../../src/core/errors.js';
import { TarParser } from '../../../src/core/image/tarParser.js';
import { LayerWalker } from '../../../src/core/layers/layerWalker.js';
import { buildCacheRootOf } from '../../../src/core/gocache/buildCache.js';
import { isProjectGoSum, parseGoSum, parseZipHash } from '../../../src/core/gocache/goSum.js';
import {
  escapeModulePath,
  moduleOfUnit,
  parseDownloadPath,
  parseExtractedDir,
  unescapeModulePath,
} from '../../../src/core/gocache/moduleCache.js';
import {
  buildCacheEntries,
  bytesUnder,
  fakeHash,
  goSumFor,
  moduleCacheEntries,
  rawTar,
  tarOf,
  type FakeModule,
  type TEntry,
} from './support/archives.js';
import { walkEntries, walkTar } from './support/walk.js';

const MODULES: FakeModule[] = [
  { path: 'example.com/liba', version: 'v1.1.0', srcBytes: 3000, zipBytes: 1500 },
  { path: 'example.com/Libb', version: 'v1.0.0', srcBytes: 2000, zipBytes: 900 },
  { path: 'example.com/libc', version: 'v2.0.0+incompatible', srcBytes: 1000, zipBytes: 700 },
];

describe('module cache recognisers', () => {
  it('escapes and unescapes module paths', () => {
    expect(escapeModulePath('example.com/Libb')).toBe('example.com/!libb');
    expect(unescapeModulePath('example.com/!libb')).toBe('example.com/Libb');
    expect(unescapeModulePath('example.com/Libb')).toBeUndefined(); // capitals are never stored
    expect(unescapeModulePath('bad!')).toBeUndefined();
  });

  it('recognises download files anywhere and rejects look-alikes', () => {
    expect(parseDownloadPath('go/pkg/mod/cache/download/example.com/!libb/@v/v1.0.0.ziphash')).toEqual({
      root: '/go/pkg/mod',
      module: 'example.com/Libb',
      version: 'v1.0.0',
      ext: 'ziphash',
    });
    expect(
      parseDownloadPath('opt/gomod/cache/download/example.com/libc/@v/v2.0.0+incompatible.zip'),
    ).toMatchObject({
      root: '/opt/gomod',
      version: 'v2.0.0+incompatible',
    });
    expect(parseDownloadPath('cache/download/x.org/y/@v/list')).toEqual({ root: '/', module: 'x.org/y' });
    expect(parseDownloadPath('srv/pkg/mod/example.com/liba@v1.1.0/notes.txt')).toBeUndefined();
    expect(parseDownloadPath('srv/cache/download/readme/@v/notes.txt')).toBeUndefined();
    expect(parseDownloadPath('srv/cache/download/x/@v/latest.zip')).toBeUndefined();
    expect(
      parseDownloadPath('go/pkg/mod/cache/download/sumdb/sum.golang.org/lookup/x@v1.0.0'),
    ).toBeUndefined();
  });

  it('maps extracted trees and units to modules', () => {
    expect(parseExtractedDir('example.com/!libb@v1.0.0')).toEqual({
      module: 'example.com/Libb',
      version: 'v1.0.0',
    });
    expect(parseExtractedDir('example.com/liba@latest')).toBeUndefined();
    expect(moduleOfUnit('cache/download/example.com/liba/@v/v1.1.0.zip')).toEqual({
      module: 'example.com/liba',
      version: 'v1.1.0',
    });
    expect(moduleOfUnit('cache/download/example.com/liba/@v/list')).toBeUndefined();
    expect(moduleOfUnit('cache/vcs/abc')).toBeUndefined();
  });

  it('recognises build cache entries by their shard and name', () => {
    const hex = 'ab'.padEnd(64, '0');
    expect(buildCacheRootOf(`root/.cache/go-build/ab/${hex}-d`)).toBe('root/.cache/go-build');
    expect(buildCacheRootOf(`ab/${hex}-a`)).toBe('');
    expect(buildCacheRootOf(`var/cache/go-build/cd/${hex}-d`)).toBeUndefined(); // wrong shard
    expect(buildCacheRootOf(`var/cache/go-build/ab/${hex}.txt`)).toBeUndefined();
  });

  it('parses go.sum and .ziphash', () => {
    const lines = parseGoSum(`${goSumFor(MODULES.slice(0, 1))}\ngarbage line\n`);
    expect(lines).toEqual([
      ['example.com/liba', 'v1.1.0', fakeHash('example.com/libav1.1.0')],
      ['example.com/liba', 'v1.1.0/go.mod', fakeHash('example.com/libamod')],
    ]);
    expect(parseZipHash(`${fakeHash('x')}\n`)).toBe(fakeHash('x'));
    expect(parseZipHash('not a hash')).toBeUndefined();
    expect(isProjectGoSum('src/go.sum')).toBe(true);
    expect(isProjectGoSum('go/pkg/mod/example.com/liba@v1.1.0/go.sum')).toBe(false);
  });
});

describe('LayerWalker', () => {
  it('finds a module cache and a build cache with exact bytes, files and modules', async () => {
    const entries: TEntry[] = [
      { name: 'usr/bin/tool', size: 10_000 },
      ...moduleCacheEntries('go/pkg/mod', MODULES),
      { name: 'go/pkg/mod/cache/download/sumdb/sum.golang.org/latest', content: 'tree' },
      ...buildCacheEntries('root/.cache/go-build', 40),
      { name: 'src/go.sum', content: goSumFor(MODULES) },
      { name: 'go/pkg/mod/example.com/liba@v1.1.0/go.sum', content: goSumFor(MODULES.slice(1)) },
    ];
    const s = await walkEntries(entries);
    expect(s.sizeBytes).toBe(bytesUnder(entries, ''));
    expect(s.caches.map((c) => [c.kind, c.root])).toEqual([
      ['module-cache', '/go/pkg/mod'],
      ['build-cache', '/root/.cache/go-build'],
    ]);
    const [mod, build] = s.caches;
    expect(mod!.bytes).toBe(bytesUnder(entries, 'go/pkg/mod/'));
    expect(mod!.files).toBe(entries.filter((e) => e.name.startsWith('go/pkg/mod/')).length);
    expect(mod!.modules.map((m) => `${m.path}@${m.version}`)).toEqual([
      'example.com/Libb@v1.0.0',
      'example.com/liba@v1.1.0',
      'example.com/libc@v2.0.0+incompatible',
    ]);
    const liba = mod!.modules.find((m) => m.path === 'example.com/liba')!;
    const libaFiles = entries.filter(
      (e) => e.name.includes('/example.com/liba@v1.1.0/') || /liba\/@v\/v1\.1\.0\./.test(e.name),
    );
    expect(liba.bytes).toBe(bytesUnder(libaFiles, ''));
    expect(mod!.zipHashes['example.com/Libb@v1.0.0']).toBe(fakeHash('example.com/Libbv1.0.0'));
    expect(build!.bytes).toBe(bytesUnder(entries, 'root/.cache/go-build/'));
    expect(build!.files).toBe(42);
    // Only the project's go.sum counts, not the one inside the module cache.
    expect(s.goSums.map((g) => g.path)).toEqual(['/src/go.sum']);
    expect(s.goSums[0]!.lines).toHaveLength(6);
  });

  it('finds caches wherever they live (custom GOMODCACHE / GOCACHE, non-root HOME)', async () => {
    const s = await walkEntries([
      ...moduleCacheEntries('opt/gomod', MODULES.slice(0, 1)),
      ...buildCacheEntries('var/cache/gobuild', 3),
      ...moduleCacheEntries('home/builder/go/pkg/mod', MODULES.slice(1, 2)),
      ...buildCacheEntries('home/builder/.cache/go-build', 2),
    ]);
    expect(s.caches.map((c) => `${c.kind} ${c.root}`)).toEqual([
      'build-cache /home/builder/.cache/go-build',
      'module-cache /home/builder/go/pkg/mod',
      'module-cache /opt/gomod',
      'build-cache /var/cache/gobuild',
    ]);
  });

  it('reports no cache for decoys and vendor trees', async () => {
    const s = await walkEntries([
      { name: 'srv/pkg/mod/example.com/liba@v1.1.0/notes.txt', size: 5000 },
      { name: 'srv/pkg/mod/cache/readme.txt', size: 100 },
      { name: 'var/cache/go-build/ab/not-an-entry', size: 5000 },
      { name: 'var/cache/go-build/README', content: 'hi' },
      { name: 'src/vendor/modules.txt', content: '# example.com/liba v1.1.0\n' },
      { name: 'src/vendor/example.com/liba/a.go', size: 300 },
      { name: 'src/go.sum', content: goSumFor(MODULES) },
    ]);
    expect(s.caches).toEqual([]);
    expect(s.goSums).toHaveLength(1);
  });

  it('records whiteouts and opaque directories without counting them as files', async () => {
    const s = await walkEntries([
      { name: 'go/pkg/.wh.mod', content: '' },
      { name: 'root/.cache/go-build/.wh..wh..opq', content: '' },
      { name: 'x/.wh..wh.plnk', content: '' },
      { name: '.wh.toplevel', content: '' },
    ]);
    expect(s.whiteouts).toEqual(['/go/pkg/mod', '/toplevel']);
    expect(s.opaques).toEqual(['/root/.cache/go-build']);
    expect(s.sizeBytes).toBe(0);
    expect(s.caches).toEqual([]);
  });

  it('counts a hardlink as a file without bytes and handles GNU long names', () => {
    const hex = 'ab'.padEnd(64, '1');
    const deep = `root/.cache/go-build/${'d'.repeat(120)}`;
    const s = walkTar(
      rawTar([
        { name: `root/.cache/go-build/ab/${hex}-d`, content: 'x'.repeat(100) },
        {
          name: `root/.cache/go-build/ab/${hex.replace(/1$/, '2')}-d`,
          typeflag: '1',
          linkname: `root/.cache/go-build/ab/${hex}-d`,
        },
        { name: `${deep}/file`, content: 'y' },
      ]),
    );
    expect(s.caches).toHaveLength(1);
    expect(s.caches[0]).toMatchObject({ kind: 'build-cache', bytes: 100, files: 2 });
    expect(s.sizeBytes).toBe(101);
  });

  it('keeps a module cache that sits inside the build cache separate (GOMODCACHE under GOCACHE)', async () => {
    const entries = [
      ...buildCacheEntries('root/.cache/go-build', 4),
      ...moduleCacheEntries('root/.cache/go-build/mod', MODULES.slice(0, 1)),
    ];
    const s = await walkEntries(entries);
    const build = s.caches.find((c) => c.kind === 'build-cache')!;
    const mod = s.caches.find((c) => c.kind === 'module-cache')!;
    expect(mod.root).toBe('/root/.cache/go-build/mod');
    expect(build.bytes + mod.bytes).toBe(bytesUnder(entries, ''));
  });

  it('bounds memory: too many directories in one layer is a too-large error', async () => {
    const buf = await tarOf(Array.from({ length: 50 }, (_, i) => ({ name: `d${i}/f`, content: '' })));
    const walker = new LayerWalker({ label: 'layer sha256:0123', maxDirs: 40 });
    const parser = new TarParser(walker, { label: 'layer sha256:0123' });
    let err: unknown;
    try {
      void parser.write(buf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LensError);
    expect((err as LensError).code).toBe('too-large');
    expect((err as LensError).message).toBe('layer sha256:0123 has more than 40 directories');
  });
});

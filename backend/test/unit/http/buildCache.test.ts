import { describe, expect, it } from 'vitest';
import { LensError } from '../../../src/core/errors.js';
import {
  buildCacheTotals,
  classifyBuildCacheRecord,
  goCacheKindOfPath,
  parseCacheMountDescription,
  parseDuration,
  selectForPrune,
  selectionToken,
  toBuildCacheRecord,
  type RawBuildCacheRecord,
} from '../../../src/docker/buildCache.js';

function mount(target: string, command = '/bin/sh -c go build', id?: string): RawBuildCacheRecord {
  const idPart = id === undefined ? '' : ` with id ${JSON.stringify(id)}`;
  return {
    ID: `m${Math.random().toString(36).slice(2, 12)}`,
    Type: 'exec.cachemount',
    Description: `cached mount ${target} from exec ${command}${idPart}`,
    InUse: false,
    Shared: false,
    Size: 100,
    CreatedAt: '2026-01-01T00:00:00Z',
    LastUsedAt: '2026-01-01T00:00:00Z',
    UsageCount: 1,
  };
}

describe('parseCacheMountDescription', () => {
  it('reads target, command and id as the engine writes them', () => {
    expect(
      parseCacheMountDescription(
        'cached mount /go/pkg/mod from exec /bin/sh -c go mod download with id "//go/pkg/mod"',
      ),
    ).toEqual({ target: '/go/pkg/mod', command: '/bin/sh -c go mod download', id: '//go/pkg/mod' });
  });
  it('keeps quotes inside the command and unescapes the id', () => {
    expect(
      parseCacheMountDescription(`cached mount /c from exec /bin/sh -c sh -c 'echo "x"' with id "a\\"b"`),
    ).toEqual({ target: '/c', command: `/bin/sh -c sh -c 'echo "x"'`, id: 'a"b' });
  });
  it('works without an id and refuses other descriptions', () => {
    expect(parseCacheMountDescription('cached mount /x from exec true')).toEqual({
      target: '/x',
      command: 'true',
    });
    expect(parseCacheMountDescription('mount / from exec /bin/sh -c true')).toBeUndefined();
  });
});

describe('goCacheKindOfPath', () => {
  it.each([
    ['/go/pkg/mod', 'module'],
    ['//go/pkg/mod/', 'module'],
    ['/go/pkg/mod/cache', 'module'],
    ['/go/pkg/mod/cache/download', 'module'],
    ['/home/builder/go/pkg/mod', 'module'],
    ['/go/pkg', 'module'],
    ['/root/go/pkg', 'module'],
    ['/go', 'module'],
    ['/root/go', 'module'],
    ['/home/builder/go', 'module'],
    ['/opt/gomod', 'module'],
    ['/cache/go-mod-cache', 'module'],
    ['gomodcache', 'module'],
    ['/root/.cache/go-build', 'build'],
    ['/home/builder/.cache/go-build', 'build'],
    ['/root/.cache', 'build'],
    ['/home/builder/.cache', 'build'],
    ['/var/cache/gobuild', 'build'],
    ['/tmp/gocache', 'build'],
    ['/cache/go-build/00', 'build'],
  ])('%s is a %s cache', (path, kind) => {
    expect(goCacheKindOfPath(path)).toBe(kind);
  });
  it.each([
    '/var/cache/apt',
    '/root/.npm',
    '/',
    '',
    '/srv/mod',
    '/src/vendor',
    '/go/src',
    '/opt/pkg',
    '/usr/local/go',
  ])('%s is not a Go cache', (path) => {
    expect(goCacheKindOfPath(path)).toBeUndefined();
  });
});

describe('classifyBuildCacheRecord', () => {
  it('classifies mounts by target, then id, then GOMODCACHE/GOCACHE in the command', () => {
    expect(classifyBuildCacheRecord(mount('/go/pkg/mod')).category).toBe('go-module-cache');
    expect(classifyBuildCacheRecord(mount('/root/.cache/go-build')).category).toBe('go-build-cache');
    expect(classifyBuildCacheRecord(mount('/cache/a', 'go build', 'gomod')).category).toBe('go-module-cache');
    expect(classifyBuildCacheRecord(mount('/cache/b', '/bin/sh -c GOCACHE=/cache/b go build')).category).toBe(
      'go-build-cache',
    );
    expect(
      classifyBuildCacheRecord(mount('/cache/c', '/bin/sh -c GOMODCACHE="/cache/c" go mod download'))
        .category,
    ).toBe('go-module-cache');
    expect(classifyBuildCacheRecord(mount('/var/cache/apt', 'apt-get update', '/aptc')).category).toBe(
      'cache-mount',
    );
    // A GOCACHE naming another directory does not make this mount a Go cache.
    expect(
      classifyBuildCacheRecord(mount('/cache/d', '/bin/sh -c GOCACHE=/elsewhere go build')).category,
    ).toBe('cache-mount');
  });
  it('classifies the other record types', () => {
    expect(
      classifyBuildCacheRecord({ Type: 'regular', Description: 'mount / from exec true' }).category,
    ).toBe('layer');
    expect(
      classifyBuildCacheRecord({ Type: 'source.local', Description: 'local source for context' }).category,
    ).toBe('source');
    expect(classifyBuildCacheRecord({ Type: 'source.git.checkout', Description: 'git' }).category).toBe(
      'source',
    );
    expect(classifyBuildCacheRecord({ Type: 'frontend', Description: '' }).category).toBe('other');
    expect(classifyBuildCacheRecord({ Type: 'exec.cachemount', Description: 'weird' }).category).toBe(
      'cache-mount',
    );
  });
});

describe('toBuildCacheRecord and totals', () => {
  it('maps the engine fields, including Docker 26\'s " Parents" key', () => {
    const raw = {
      ...mount('/go/pkg/mod', 'go mod download', '//go/pkg/mod'),
      ' Parents': ['p1'],
      LastUsedAt: null,
    };
    const rec = toBuildCacheRecord(raw);
    expect(rec).toMatchObject({
      category: 'go-module-cache',
      mountTarget: '/go/pkg/mod',
      mountId: '//go/pkg/mod',
      parents: ['p1'],
      lastUsedAt: null,
      size: 100,
    });
  });
  it('sums bytes per category and what is reclaimable', () => {
    const recs = [
      toBuildCacheRecord({ ...mount('/go/pkg/mod'), Size: 10 }),
      toBuildCacheRecord({ ...mount('/root/.cache/go-build'), Size: 20, InUse: true }),
      toBuildCacheRecord({ ...mount('/var/cache/apt'), Size: 40 }),
      toBuildCacheRecord({ ID: 'l', Type: 'regular', InUse: false, Shared: true, Size: 80 }),
    ];
    expect(buildCacheTotals(recs)).toEqual({
      'go-module-cache': 10,
      'go-build-cache': 20,
      'cache-mount': 40,
      layer: 80,
      source: 0,
      other: 0,
      all: 150,
      reclaimable: 130,
      records: 4,
    });
  });
});

describe('selectForPrune', () => {
  const now = new Date('2026-01-10T00:00:00Z');
  const recs = [
    toBuildCacheRecord({
      ...mount('/go/pkg/mod'),
      ID: 'gomod1',
      Size: 10,
      LastUsedAt: '2026-01-01T00:00:00Z',
    }),
    toBuildCacheRecord({
      ...mount('/root/.cache/go-build'),
      ID: 'gobuild1',
      Size: 20,
      LastUsedAt: '2026-01-09T23:00:00Z',
    }),
    toBuildCacheRecord({ ...mount('/root/.cache/go-build'), ID: 'gobusy', Size: 5, InUse: true }),
    toBuildCacheRecord({ ...mount('/var/cache/apt'), ID: 'apt1', Size: 40 }),
    toBuildCacheRecord({ ID: 'layer1', Type: 'regular', InUse: false, Shared: true, Size: 80 }),
    toBuildCacheRecord({ ID: 'layer2', Type: 'regular', InUse: false, Shared: false, Size: 1 }),
  ];
  const ids = (r: { selected: { id: string }[] }) => r.selected.map((x) => x.id);

  it('go-caches selects Go cache mounts only, never in-use records', () => {
    const r = selectForPrune(recs, { scope: 'go-caches' }, now);
    expect(ids(r)).toEqual(['gomod1', 'gobuild1']);
    expect(r.skipped).toEqual([{ id: 'gobusy', reason: 'in-use' }]);
  });
  it('cache-mounts selects every cache mount', () => {
    expect(ids(selectForPrune(recs, { scope: 'cache-mounts' }, now))).toEqual(['gomod1', 'gobuild1', 'apt1']);
  });
  it('unusedFor keeps recently used records', () => {
    expect(ids(selectForPrune(recs, { scope: 'go-caches', unusedFor: '24h' }, now))).toEqual(['gomod1']);
    expect(ids(selectForPrune(recs, { scope: 'go-caches', unusedFor: '30m' }, now))).toEqual([
      'gomod1',
      'gobuild1',
    ]);
  });
  it('ids selects exactly those, skipping shared and in-use ones; unknown ids are not found', () => {
    const r = selectForPrune(recs, { scope: 'ids', ids: ['layer2', 'layer1', 'gobusy', 'layer2'] }, now);
    expect(ids(r)).toEqual(['layer2']);
    expect(r.skipped).toEqual([
      { id: 'layer1', reason: 'shared' },
      { id: 'gobusy', reason: 'in-use' },
    ]);
    expect(() => selectForPrune(recs, { scope: 'ids', ids: ['nope'] }, now)).toThrow(
      /no build cache record nope/,
    );
  });
  it('rejects malformed requests with bad-input', () => {
    const bad = (req: Parameters<typeof selectForPrune>[1]) => {
      try {
        selectForPrune(recs, req, now);
      } catch (e) {
        return e instanceof LensError ? e.code : 'other';
      }
      return 'accepted';
    };
    expect(bad({ scope: 'ids' })).toBe('bad-input');
    expect(bad({ scope: 'ids', ids: ['../etc'] })).toBe('bad-input');
    expect(bad({ scope: 'go-caches', ids: ['gomod1'] })).toBe('bad-input');
    expect(bad({ scope: 'everything' as 'ids' })).toBe('bad-input');
    expect(bad({ scope: 'go-caches', unusedFor: 'soon' })).toBe('bad-input');
  });
});

describe('parseDuration and selectionToken', () => {
  it('parses the usual units', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(() => parseDuration('-1h')).toThrow(LensError);
  });
  it('names a selection independently of order, and differently per scope or ids', () => {
    expect(selectionToken('go-caches', ['a', 'b'])).toBe(selectionToken('go-caches', ['b', 'a']));
    expect(selectionToken('go-caches', ['a'])).not.toBe(selectionToken('go-caches', ['a', 'b']));
    expect(selectionToken('go-caches', ['a'])).not.toBe(selectionToken('cache-mounts', ['a']));
  });
});

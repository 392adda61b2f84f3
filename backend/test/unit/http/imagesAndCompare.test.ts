import { describe, expect, it } from 'vitest';
import type { AnalysisResult, LayerReport } from '../../../src/core/analysisTypes.js';
import {
  assertImageRef,
  imageStoreOf,
  instructionOf,
  isImageRef,
  markHistory,
  normalizeRef,
} from '../../../src/docker/images.js';
import { compareAnalyses } from '../../../src/http/routes/compare.js';

describe('image references', () => {
  it.each([
    'busybox',
    'lens-fixture/single-stage:latest',
    'golang:1.22.5-bookworm',
    'gcr.io/distroless/static-debian12:nonroot',
    'localhost:5000/team/app:v1.2',
    `app@sha256:${'c'.repeat(64)}`,
    `sha256:${'d'.repeat(64)}`,
    'e'.repeat(64),
    'abc123',
  ])('accepts %s', (ref) => {
    expect(isImageRef(ref)).toBe(true);
  });
  it.each([
    '',
    '../etc',
    '..',
    'a/../b',
    'a//b',
    '/etc/passwd',
    'App:latest',
    'a:b:c',
    'x?y',
    'a b',
    '%2e%2e',
    'a/b/',
    'x'.repeat(600),
  ])('rejects %j', (ref) => {
    expect(isImageRef(ref)).toBe(false);
    expect(() => assertImageRef(ref)).toThrow(/image id or reference/);
  });
  it('normalises a missing tag to latest', () => {
    expect(normalizeRef('busybox')).toBe('busybox:latest');
    expect(normalizeRef('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeRef('app:v1')).toBe('app:v1');
    expect(normalizeRef(`app@sha256:${'c'.repeat(64)}`)).toBe(`app@sha256:${'c'.repeat(64)}`);
    expect(normalizeRef(`sha256:${'d'.repeat(64)}`)).toBe(`sha256:${'d'.repeat(64)}`);
  });
  it('names the image store', () => {
    expect(
      imageStoreOf({ Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] }),
    ).toBe('containerd');
    expect(imageStoreOf({ Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs']] })).toBe(
      'overlay2',
    );
  });
});

describe('build history', () => {
  it('turns CreatedBy into instructions', () => {
    expect(instructionOf('RUN /bin/sh -c go build . # buildkit')).toBe('RUN /bin/sh -c go build .');
    expect(instructionOf('/bin/sh -c #(nop)  ENV GOPATH=/go')).toBe('ENV GOPATH=/go');
    expect(instructionOf('/bin/sh -c go mod download')).toBe('RUN /bin/sh -c go mod download');
    expect(instructionOf('|1 V=2 /bin/sh -c make')).toBe('RUN |1 V=2 /bin/sh -c make');
    expect(instructionOf('WORKDIR /src')).toBe('WORKDIR /src');
  });
  it('finds zero-size layers by the RootFS count, preferring RUN/COPY/ADD over WORKDIR', () => {
    // Newest first, as the engine answers.
    const raw = [
      { Id: 'x', Created: 3, CreatedBy: 'CMD ["sh"]', Size: 0 },
      { Id: '<missing>', Created: 3, CreatedBy: 'RUN /bin/sh -c echo x > /x # buildkit', Size: 2 },
      { Id: '<missing>', Created: 3, CreatedBy: 'RUN /bin/sh -c true # buildkit', Size: 0 },
      { Id: '<missing>', Created: 3, CreatedBy: 'WORKDIR /w', Size: 0 },
      { Id: '<missing>', Created: 3, CreatedBy: 'ENV A=1', Size: 0 },
      { Id: '<missing>', Created: 2, CreatedBy: 'RUN /bin/busybox --install -s /bin # buildkit', Size: 0 },
      { Id: '<missing>', Created: 1, CreatedBy: 'COPY busybox /bin/busybox # buildkit', Size: 1982256 },
    ];
    const five = ['sha256:1', 'sha256:2', 'sha256:3', 'sha256:4', 'sha256:5'];
    const h = markHistory(raw, five);
    expect(h.map((e) => [e.instruction.split(' ')[0], e.emptyLayer, e.diffId ?? null])).toEqual([
      ['COPY', false, 'sha256:1'],
      ['RUN', false, 'sha256:2'],
      ['ENV', true, null],
      ['WORKDIR', false, 'sha256:3'],
      ['RUN', false, 'sha256:4'],
      ['RUN', false, 'sha256:5'],
      ['CMD', true, null],
    ]);
    // With one layer fewer, WORKDIR is the one that made none.
    const four = markHistory(raw, five.slice(0, 4));
    expect(four.find((e) => e.instruction.startsWith('WORKDIR'))!.emptyLayer).toBe(true);
    expect(four.filter((e) => !e.emptyLayer)).toHaveLength(4);
  });
  it('does not attach diffIDs when the history does not add up', () => {
    const h = markHistory([{ Id: 'x', Created: 0, CreatedBy: 'ENV A=1', Size: 0 }], ['sha256:1']);
    expect(h[0]).toMatchObject({ emptyLayer: true, created: null });
    expect(h[0]!.diffId).toBeUndefined();
  });
});

function layer(diffId: string, sizeBytes: number, extra: Partial<LayerReport> = {}): LayerReport {
  return { index: 0, diffId, createdBy: '', sizeBytes, goCaches: [], deletedGoCacheBytes: 0, ...extra };
}

function analysis(id: string, layers: LayerReport[]): AnalysisResult {
  return {
    schemaVersion: 1,
    image: { ref: `${id}:latest`, id: `sha256:${id}`, sizeBytes: 0 },
    layers,
    findings: [],
    summary: { polluted: false, moduleCacheBytes: 0, buildCacheBytes: 0, wastedGoCacheBytes: 0 },
  };
}

describe('compareAnalyses', () => {
  it('counts Go cache bytes in shared layers as Go cache, not as shared base', () => {
    const cached = layer('sha256:cache', 400, {
      goCaches: [{ kind: 'module-cache', root: '/go/pkg/mod', bytes: 300, files: 1, modules: [] }],
    });
    const a = analysis('a', [layer('sha256:base', 100), cached]);
    const b = analysis('b', [
      layer('sha256:base', 100),
      cached,
      layer('sha256:rm', 1, { deletedGoCacheBytes: 300 }),
    ]);
    const [ca, cb] = compareAnalyses([
      { image: 'a', analyzedAt: 't', result: a },
      { image: 'b', analyzedAt: 't', result: b },
    ]);
    expect(ca!.categories).toEqual({
      sharedBaseLayers: 200,
      goModuleCache: 300,
      goBuildCache: 0,
      wastedByLaterDeletes: 0,
      rest: 0,
    });
    expect(cb!.categories).toEqual({
      sharedBaseLayers: 200,
      goModuleCache: 0,
      goBuildCache: 0,
      wastedByLaterDeletes: 300,
      rest: 1,
    });
  });

  it('partitions each image into shared layers, Go caches, wasted bytes and the rest', () => {
    const base = layer('sha256:base', 1000);
    const a = analysis('a', [
      base,
      layer('sha256:a1', 500, {
        goCaches: [
          { kind: 'module-cache', root: '/go/pkg/mod', bytes: 300, files: 1, modules: [] },
          { kind: 'build-cache', root: '/root/.cache/go-build', bytes: 100, files: 1, modules: [] },
        ],
      }),
      layer('sha256:a2', 10, { deletedGoCacheBytes: 200 }),
    ]);
    const b = analysis('b', [base, layer('sha256:b1', 50)]);
    const [ca, cb] = compareAnalyses([
      { image: 'a', analyzedAt: 't', result: a },
      { image: 'b', analyzedAt: 't', result: b },
    ]);
    expect(ca!.totalBytes).toBe(1510);
    expect(ca!.categories).toEqual({
      sharedBaseLayers: 1000,
      goModuleCache: 150,
      goBuildCache: 50,
      wastedByLaterDeletes: 200,
      rest: 110,
    });
    const sum = Object.values(ca!.categories).reduce((n, x) => n + x, 0);
    expect(sum).toBe(ca!.totalBytes);
    expect(cb!.categories).toEqual({
      sharedBaseLayers: 1000,
      goModuleCache: 0,
      goBuildCache: 0,
      wastedByLaterDeletes: 0,
      rest: 50,
    });
  });
  it('a single image has no shared layers', () => {
    const [c] = compareAnalyses([
      { image: 'a', analyzedAt: 't', result: analysis('a', [layer('sha256:x', 5)]) },
    ]);
    expect(c!.categories.sharedBaseLayers).toBe(0);
    expect(c!.categories.rest).toBe(5);
  });
});

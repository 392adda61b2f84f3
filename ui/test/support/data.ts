import type { AnalysisResult } from '../../src/api/types';

export const SINGLE_ID = 'sha256:' + 'a1'.repeat(32);
export const CLEAN_ID = 'sha256:' + 'b2'.repeat(32);
export const DECOY_ID = 'sha256:' + 'c3'.repeat(32);

const MB = 1_000_000;

export const singleStageResult: AnalysisResult = {
  schemaVersion: 1,
  image: { ref: 'lens-fixture/single-stage:latest', id: SINGLE_ID, sizeBytes: 812 * MB },
  layers: [
    {
      index: 0,
      diffId: 'sha256:l0',
      createdBy: '',
      sizeBytes: 700 * MB,
      goCaches: [],
      deletedGoCacheBytes: 0,
    },
    {
      index: 1,
      diffId: 'sha256:l1',
      createdBy: 'WORKDIR /src',
      sizeBytes: 0,
      goCaches: [],
      deletedGoCacheBytes: 0,
    },
    {
      index: 2,
      diffId: 'sha256:l2',
      createdBy: 'RUN /bin/sh -c go mod download # buildkit',
      sizeBytes: 62 * MB,
      goCaches: [
        {
          kind: 'module-cache',
          root: '/go/pkg/mod',
          bytes: 61 * MB,
          files: 1200,
          modules: [
            { path: 'example.com/liba', version: 'v1.1.0', bytes: 20 * MB },
            { path: 'example.com/Libb', version: 'v1.0.0', bytes: 40 * MB },
            { path: 'example.com/libc', version: 'v2.0.0+incompatible', bytes: 1 * MB },
          ],
        },
      ],
      deletedGoCacheBytes: 0,
    },
    {
      index: 3,
      diffId: 'sha256:l3',
      createdBy: 'RUN /bin/sh -c go build -o /app . # buildkit',
      sizeBytes: 50 * MB,
      goCaches: [
        { kind: 'build-cache', root: '/root/.cache/go-build', bytes: 45 * MB, files: 900, modules: [] },
      ],
      deletedGoCacheBytes: 0,
    },
  ],
  findings: [
    {
      kind: 'module-cache-in-image',
      severity: 'warning',
      layerIndex: 2,
      message: '61 MB of Go module cache at /go/pkg/mod',
      modules: ['example.com/liba@v1.1.0', 'example.com/Libb@v1.0.0'],
    },
    { kind: 'build-cache-in-image', severity: 'warning', layerIndex: 3, message: '45 MB of Go build cache' },
  ],
  summary: { polluted: true, moduleCacheBytes: 61 * MB, buildCacheBytes: 45 * MB, wastedGoCacheBytes: 0 },
};

export const imagesAnswer = {
  images: [
    {
      id: SINGLE_ID,
      tags: ['lens-fixture/single-stage:latest'],
      sizeBytes: 812 * MB,
      created: '2024-06-01T10:00:00Z',
      lastAnalysis: { analyzedAt: '2024-06-02T10:00:00Z', summary: singleStageResult.summary },
    },
    {
      id: CLEAN_ID,
      tags: ['lens-fixture/multistage-clean:latest', 'clean:v1'],
      sizeBytes: 12 * MB,
      created: '2024-06-01T11:00:00Z',
      lastAnalysis: {
        analyzedAt: '2024-06-02T11:00:00Z',
        summary: { polluted: false, moduleCacheBytes: 0, buildCacheBytes: 0, wastedGoCacheBytes: 0 },
      },
    },
    { id: DECOY_ID, tags: ['lens-fixture/decoy:latest'], sizeBytes: 5 * MB, created: '2024-06-01T12:00:00Z' },
  ],
};

export const healthAnswer = {
  engine: {
    reachable: true,
    address: 'unix:///x.sock',
    version: '26.1.5',
    apiVersion: '1.45',
    imageStore: 'containerd',
  },
  server: { mode: 'standalone', version: '0.1.0' },
};

export const buildCacheAnswer = {
  records: [
    {
      id: 'rec-mod',
      type: 'exec.cachemount',
      description: 'cached mount /go/pkg/mod from exec /bin/sh -c go mod download with id "//go/pkg/mod"',
      category: 'go-module-cache',
      size: 300 * MB,
      inUse: false,
      shared: false,
      lastUsedAt: '2024-06-01T10:00:00Z',
      usageCount: 4,
    },
    {
      id: 'rec-build',
      type: 'exec.cachemount',
      description:
        'cached mount /root/.cache/go-build from exec /bin/sh -c go build -o /app . with id "//root/.cache/go-build"',
      category: 'go-build-cache',
      size: 120 * MB,
      inUse: false,
      shared: false,
      lastUsedAt: '2024-06-01T10:00:00Z',
      usageCount: 2,
    },
    {
      id: 'rec-layer',
      type: 'regular',
      description: 'mount / from exec /bin/sh -c apt-get update',
      category: 'layer',
      size: 80 * MB,
      inUse: false,
      shared: true,
      lastUsedAt: null,
      usageCount: 1,
    },
  ],
  totals: { 'go-module-cache': 300 * MB, 'go-build-cache': 120 * MB, layer: 80 * MB, all: 500 * MB },
};

export const historyAnswer = {
  id: DECOY_ID,
  tags: ['lens-fixture/decoy:latest'],
  layers: [
    {
      index: 0,
      instruction: 'COPY busybox /bin/busybox',
      sizeBytes: 1 * MB,
      created: '2024-06-01T12:00:00Z',
      emptyLayer: false,
    },
    {
      index: 1,
      instruction: 'ENV PATH=/bin',
      sizeBytes: 0,
      created: '2024-06-01T12:00:00Z',
      emptyLayer: true,
    },
    {
      index: 2,
      instruction: 'RUN /bin/sh -c mkdir -p /srv/pkg/mod',
      sizeBytes: 4 * MB,
      created: null,
      emptyLayer: false,
    },
  ],
};

export const lintAnswer = {
  findings: [
    {
      rule: 'floating-base-tag',
      severity: 'warning',
      line: 1,
      endLine: 1,
      message: 'golang:1.22 is not pinned to a patch version',
      explanation: 'A floating tag changes under you.',
      fix: 'pin golang:1.22.5',
    },
    {
      rule: 'no-module-cache-mount',
      severity: 'error',
      line: 4,
      endLine: 5,
      message: 'go mod download without a module cache mount',
      explanation: 'The module cache ends up in the layer.',
    },
  ],
};

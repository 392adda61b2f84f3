import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LensError } from '../../src/core/errors.js';
import {
  assembleBuildDetail,
  buildStatusOf,
  cacheMountsOfInstruction,
  dockerfileFromProvenance,
  failingVertexOf,
  findChecksumMismatch,
  goModuleCacheHint,
  imageIndexOf,
  instructionEndLine,
  parseStatusLog,
  sortRecords,
  sourceFromErrorDetails,
  toBuildSummary,
  type DetailSources,
  type DockerfileDoctor,
} from '../../src/docker/buildHistory.js';
import {
  decodeBuildHistoryEvent,
  encodeBuildHistoryEvent,
  encodeStatusResponse,
  type PbBuildHistoryRecord,
  type PbDescriptor,
} from '../../src/docker/buildkitProto.js';
import { GrpcStatusError } from '../../src/docker/grpcSession.js';

// Records are built the way the engine sends them (encoded, then decoded by the client's own decoder),
// with the shapes seen on Docker 26.1: provenance as a bare SLSA v0.2 predicate, failed builds with
// `errdefs.Source+json` / `errdefs.Vertex+json` details, the status log as length-prefixed messages.

const DOCKERFILE = [
  'FROM golang:1.22.5-bookworm',
  'WORKDIR /src',
  'COPY . .',
  'RUN --mount=type=bind,source=proxy,target=/proxy \\',
  '    --mount=type=cache,id=gomod-x,target=/go/pkg/mod \\',
  '    --mount=type=cache,target=/root/.cache/go-build \\',
  '    go build -o /out/app .',
  '',
].join('\n');

const CONFIG = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [] },
});
const CONFIG_DIGEST = `sha256:${createHash('sha256').update(CONFIG).digest('hex')}`;
const INDEX_DIGEST = `sha256:${'1'.repeat(64)}`;
const PROVENANCE: PbDescriptor = {
  mediaType: 'application/vnd.in-toto+json',
  digest: `sha256:${'2'.repeat(64)}`,
  size: 1000,
  annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
};
const LOGS: PbDescriptor = {
  mediaType: 'application/vnd.buildkit.status.v0',
  digest: `sha256:${'3'.repeat(64)}`,
  size: 500,
  annotations: {},
};
const VERTEX = `sha256:${'4'.repeat(64)}`;

function ts(iso: string) {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function wire(record: Parameters<typeof encodeBuildHistoryEvent>[0]['record']): PbBuildHistoryRecord {
  const ev = decodeBuildHistoryEvent(encodeBuildHistoryEvent({ type: 'COMPLETE', record }));
  return ev.record!;
}

function okRecord(ref = 'okref1'): PbBuildHistoryRecord {
  return wire({
    ref,
    frontendAttrs: { filename: 'Dockerfile', 'attest:provenance': 'mode=min,inline-only=true' },
    createdAt: ts('2026-01-02T03:04:05.250Z'),
    completedAt: ts('2026-01-02T03:04:07.750Z'),
    exporterResponse: { 'containerimage.config': CONFIG },
    result: {
      resultDeprecated: {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: INDEX_DIGEST,
        size: 856,
      },
      attestations: [PROVENANCE],
    },
    logs: LOGS,
    numTotalSteps: 9,
    numCachedSteps: 4,
    numCompletedSteps: 9,
  });
}

function sourceDetail(text: string, start: number, end: number) {
  return {
    typeUrl: 'github.com/moby/buildkit/errdefs.Source+json',
    value: Buffer.from(
      JSON.stringify({
        info: { filename: 'Dockerfile', data: Buffer.from(text).toString('base64'), language: 'Dockerfile' },
        ranges: [{ start: { line: start }, end: { line: end } }],
      }),
    ),
  };
}

function failedRecord(ref = 'failref1'): PbBuildHistoryRecord {
  return wire({
    ref,
    frontendAttrs: { filename: 'Dockerfile' },
    createdAt: ts('2026-01-02T04:00:00Z'),
    completedAt: ts('2026-01-02T04:00:01Z'),
    error: {
      code: 2,
      message: 'process "/bin/sh -c go build -o /out/app ." did not complete successfully: exit code: 1',
      details: [
        { typeUrl: 'github.com/moby/buildkit/stack.Stack+json', value: Buffer.from('{"frames":[]}') },
        sourceDetail(DOCKERFILE, 4, 4),
        {
          typeUrl: 'github.com/moby/buildkit/errdefs.Vertex+json',
          value: Buffer.from(JSON.stringify({ digest: VERTEX })),
        },
      ],
    },
    logs: LOGS,
    numTotalSteps: 6,
    numCachedSteps: 2,
    numCompletedSteps: 6,
  });
}

const MISMATCH_OUTPUT =
  'verifying example.com/liba@v1.1.0: checksum mismatch\n\tdownloaded: h1:AAA=\n\tgo.sum:     h1:BBB=\n\nSECURITY ERROR\n';

function statusLog(): Buffer {
  const msgs = [
    encodeStatusResponse({ vertexes: [{ digest: VERTEX, name: '[stage-0 4/4] RUN go build' }] }),
    encodeStatusResponse({ logs: [{ vertex: VERTEX, stream: 2, msg: Buffer.from(MISMATCH_OUTPUT) }] }),
    encodeStatusResponse({
      vertexes: [{ digest: VERTEX, name: '[stage-0 4/4] RUN go build', error: 'exit code: 1' }],
    }),
  ];
  return Buffer.concat(
    msgs.map((m) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(m.length);
      return Buffer.concat([len, m]);
    }),
  );
}

function provenanceBlob(text: string, statement = false): Buffer {
  const predicate = {
    buildType: 'https://mobyproject.org/buildkit@v1',
    metadata: {
      'https://mobyproject.org/buildkit@v1#metadata': {
        source: {
          infos: [
            {
              filename: 'other.Dockerfile',
              language: 'Dockerfile',
              data: Buffer.from('FROM scratch\n').toString('base64'),
            },
            { filename: 'Dockerfile', language: 'Dockerfile', data: Buffer.from(text).toString('base64') },
          ],
        },
      },
    },
  };
  return Buffer.from(
    JSON.stringify(statement ? { _type: 'https://in-toto.io/Statement/v0.1', predicate } : predicate),
  );
}

const notFound = (digest: string) =>
  new LensError(
    'not-found',
    `BuildKit Read: content digest ${digest}: not found`,
    new GrpcStatusError(
      5,
      `content digest ${digest}: not found`,
      '/containerd.services.content.v1.Content/Read',
    ),
  );

function sources(
  blobs: Record<string, Buffer>,
  records: { ID: string; Type: string; Description?: string }[] = [],
) {
  const reads: string[] = [];
  const s: DetailSources = {
    imageEnv: async (image) =>
      image === 'golang:1.22.5-bookworm' ? ['GOPATH=/go', 'GOLANG_VERSION=1.22.5'] : undefined,
    readBlob: async (desc) => {
      reads.push(desc.digest);
      const b = blobs[desc.digest];
      if (!b) throw notFound(desc.digest);
      return b;
    },
    buildCacheRecords: async () => records,
  };
  return { s, reads };
}

/** A stand-in doctor that reports the env it was given for the base image as its finding's message. */
const doctor: DockerfileDoctor = {
  lintDockerfile: (text, opts) => ({
    findings: text.includes('go build')
      ? [
          {
            rule: 'no-module-cache-mount',
            severity: 'warning',
            line: 4,
            message: String(opts?.localImageEnv?.('golang:1.22.5-bookworm')),
          },
        ]
      : [],
  }),
  fixDockerfile: (text) => ({ fixed: `${text}# fixed\n`, diff: '+# fixed', findings: [] }),
  baseImages: (text) => [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!),
};

describe('wire decoding', () => {
  it('keeps maps, timestamps as numbers and nested descriptors', () => {
    const r = okRecord();
    expect(r.frontendAttrs.filename).toBe('Dockerfile');
    expect(r.exporterResponse['containerimage.config']).toBe(CONFIG);
    expect(r.createdAt).toEqual(ts('2026-01-02T03:04:05.250Z'));
    expect(typeof r.createdAt!.seconds).toBe('number');
    expect(r.result!.attestations[0]!.annotations['in-toto.io/predicate-type']).toContain('provenance');
    expect(r.error).toBeNull();
  });
});

describe('summaries', () => {
  it('derives status, duration, steps and ties the config digest (classic store) to the image', () => {
    const images = imageIndexOf([{ id: CONFIG_DIGEST, tags: ['app:1'] }]);
    expect(toBuildSummary(okRecord(), images)).toEqual({
      ref: 'okref1',
      name: 'app:1',
      dockerfileName: 'Dockerfile',
      target: null,
      status: 'completed',
      startedAt: '2026-01-02T03:04:05.250Z',
      completedAt: '2026-01-02T03:04:07.750Z',
      durationMs: 2500,
      steps: { total: 9, cached: 4, completed: 9 },
      image: { id: CONFIG_DIGEST, tags: ['app:1'] },
      errorMessage: null,
    });
  });

  it('ties the result index digest (containerd store) to the image, and names untagged builds by Dockerfile', () => {
    const s = toBuildSummary(okRecord(), imageIndexOf([{ id: INDEX_DIGEST, tags: [] }]));
    expect(s.image).toEqual({ id: INDEX_DIGEST, tags: [] });
    expect(s.name).toBe('Dockerfile');
    expect(toBuildSummary(okRecord(), new Map()).image).toBeNull();
  });

  it('tells running, failed and canceled builds apart', () => {
    expect(buildStatusOf({ completedAt: null, error: null })).toBe('running');
    expect(buildStatusOf(failedRecord())).toBe('failed');
    expect(
      buildStatusOf({
        completedAt: ts('2026-01-01T00:00:00Z'),
        error: { code: 1, message: 'context canceled', details: [] },
      }),
    ).toBe('canceled');
    const f = toBuildSummary(failedRecord(), new Map());
    expect(f.errorMessage).toMatch(/did not complete successfully/);
    expect(f.image).toBeNull();
  });

  it('sorts newest first whatever the key order', () => {
    expect(sortRecords([okRecord('a'), failedRecord('b')]).map((r) => r.ref)).toEqual(['b', 'a']);
  });
});

describe('Dockerfile source', () => {
  it('reads the Dockerfile named by the frontend from a bare predicate or an in-toto statement', () => {
    expect(dockerfileFromProvenance(provenanceBlob(DOCKERFILE), 'Dockerfile')).toEqual({
      filename: 'Dockerfile',
      text: DOCKERFILE,
    });
    expect(dockerfileFromProvenance(provenanceBlob(DOCKERFILE, true), 'Dockerfile')?.text).toBe(DOCKERFILE);
    expect(dockerfileFromProvenance(provenanceBlob(DOCKERFILE), 'other.Dockerfile')?.text).toBe(
      'FROM scratch\n',
    );
    expect(dockerfileFromProvenance(Buffer.from('not json'), 'Dockerfile')).toBeUndefined();
    expect(dockerfileFromProvenance(Buffer.from('{"metadata":{}}'), 'Dockerfile')).toBeUndefined();
  });

  it('reads the Dockerfile, failing range and vertex from the error details', () => {
    const r = failedRecord();
    expect(sourceFromErrorDetails(r.error, 'Dockerfile')).toEqual({
      filename: 'Dockerfile',
      text: DOCKERFILE,
      startLine: 4,
      endLine: 4,
    });
    expect(failingVertexOf(r.error)).toBe(VERTEX);
    expect(sourceFromErrorDetails(null, 'Dockerfile')).toBeUndefined();
  });
});

describe('build logs and checksum mismatches', () => {
  it('parses the length-prefixed status log and tolerates a truncated tail', () => {
    const blob = statusLog();
    const log = parseStatusLog(blob);
    expect(log.names.get(VERTEX)).toBe('[stage-0 4/4] RUN go build');
    expect(log.failed).toEqual([VERTEX]);
    expect(log.output.get(VERTEX)).toBe(MISMATCH_OUTPUT);
    expect(parseStatusLog(blob.subarray(0, blob.length - 3)).output.get(VERTEX)).toBe(MISMATCH_OUTPUT);
  });

  it.each([
    ['verifying example.com/liba@v1.1.0: checksum mismatch', 'example.com/liba@v1.1.0'],
    ['go: verifying example.com/Libb@v1.0.0/go.mod: checksum mismatch', 'example.com/Libb@v1.0.0'],
    [
      'go: example.com/libc@v2.0.0+incompatible: verifying module: checksum mismatch',
      'example.com/libc@v2.0.0+incompatible',
    ],
    ['exit code: 1', undefined],
    ['checksum mismatch', undefined],
  ])('finds the module in %j', (text, module) => {
    expect(findChecksumMismatch(text)).toBe(module);
  });
});

describe('cache mount hint', () => {
  it('finds where a continued or heredoc instruction ends (BuildKit reports its first line only)', () => {
    expect(instructionEndLine(DOCKERFILE, 4)).toBe(7);
    expect(instructionEndLine(DOCKERFILE, 1)).toBe(1);
    const messy = 'FROM x\r\nRUN a \\  \r\n# comment inside\r\n\r\n    b\r\nCMD c\r\n';
    expect(instructionEndLine(messy, 2)).toBe(5);
    const heredoc = 'FROM x\nRUN <<EOF\nset -e\ngo build .\nEOF\nCMD y\n';
    expect(instructionEndLine(heredoc, 2)).toBe(5);
    const backtick = '# escape=`\nFROM x\nRUN a `\n  b\nCMD c\n';
    expect(instructionEndLine(backtick, 3)).toBe(4);
    expect(instructionEndLine(DOCKERFILE, 99)).toBe(99);
  });

  it('reads the cache mounts of a continued RUN, with the target as default id', () => {
    expect(cacheMountsOfInstruction(DOCKERFILE, 4)).toEqual([
      { target: '/go/pkg/mod', id: 'gomod-x' },
      { target: '/root/.cache/go-build', id: '/root/.cache/go-build' },
    ]);
    expect(cacheMountsOfInstruction('RUN --mount="type=cache,dst=/m,sharing=locked" x\n', 1)).toEqual([
      { target: '/m', id: '/m' },
    ]);
    expect(cacheMountsOfInstruction('RUN --mount=type=bind,target=/m x\n', 1)).toEqual([]);
    expect(cacheMountsOfInstruction(DOCKERFILE, 1)).toEqual([]);
    expect(cacheMountsOfInstruction(DOCKERFILE, 99)).toEqual([]);
  });

  it('keeps only module cache mounts and finds their records by id as BuildKit describes them', () => {
    const records = [
      {
        ID: 'rec1',
        Type: 'exec.cachemount',
        Description: 'cached mount /go/pkg/mod from exec /bin/sh -c go build with id "/gomod-x"',
      },
      {
        ID: 'rec2',
        Type: 'exec.cachemount',
        Description: 'cached mount /go/pkg/mod from exec /bin/sh -c go build with id "//go/pkg/mod"',
      },
      {
        ID: 'rec3',
        Type: 'exec.cachemount',
        Description:
          'cached mount /root/.cache/go-build from exec /bin/sh -c go build with id "//root/.cache/go-build"',
      },
      { ID: 'rec4', Type: 'regular', Description: 'mount / from exec /bin/sh -c go build' },
    ];
    expect(goModuleCacheHint(DOCKERFILE, 4, records)).toEqual({
      mounts: [{ target: '/go/pkg/mod', id: 'gomod-x' }],
      recordIds: ['rec1'],
    });
    const plain = 'FROM x\nRUN --mount=type=cache,target=/go/pkg/mod go build .\n';
    expect(goModuleCacheHint(plain, 2, records)).toEqual({
      mounts: [{ target: '/go/pkg/mod', id: '/go/pkg/mod' }],
      recordIds: ['rec2'],
    });
    const moved = 'RUN --mount=type=cache,target=/cache/m GOMODCACHE=/cache/m go build .\n';
    expect(goModuleCacheHint(moved, 1, [])).toEqual({
      mounts: [{ target: '/cache/m', id: '/cache/m' }],
      recordIds: [],
    });
    expect(
      goModuleCacheHint('RUN --mount=type=cache,target=/root/.cache/go-build go build\n', 1, records),
    ).toBeNull();
  });
});

describe('assembleBuildDetail', () => {
  it('takes the Dockerfile from provenance and runs the doctor on it', async () => {
    const { s } = sources({ [PROVENANCE.digest]: provenanceBlob(DOCKERFILE) });
    const d = await assembleBuildDetail(okRecord(), new Map(), s, doctor);
    expect(d.dockerfile).toEqual({ filename: 'Dockerfile', text: DOCKERFILE, origin: 'provenance' });
    expect(d.sourceUnavailable).toBeNull();
    expect(d.error).toBeNull();
    expect(d.goChecksumMismatch).toBeNull();
    expect(d.doctor?.findings.map((f) => f.rule)).toEqual(['no-module-cache-mount']);
    // The base image's env reached the doctor.
    expect(d.doctor?.findings[0]?.message).toBe('GOPATH=/go,GOLANG_VERSION=1.22.5');
    expect(d.doctor?.fixed).toBe(`${DOCKERFILE}# fixed\n`);
  });

  it('answers without the source when the provenance blob is gone, instead of failing', async () => {
    const { s, reads } = sources({});
    const d = await assembleBuildDetail(okRecord(), new Map(), s, doctor);
    expect(reads).toEqual([PROVENANCE.digest]);
    expect(d.dockerfile).toBeNull();
    expect(d.sourceUnavailable).toMatch(/provenance attestation is no longer in BuildKit's store/);
    expect(d.doctor).toBeNull();
    expect(d.status).toBe('completed');
  });

  it('flags a failed build with checksum mismatch, with the failing lines, log excerpt and mount records', async () => {
    const records = [
      {
        ID: 'stale1',
        Type: 'exec.cachemount',
        Description: 'cached mount /go/pkg/mod from exec /bin/sh -c go build with id "/gomod-x"',
      },
    ];
    const { s } = sources({ [LOGS.digest]: statusLog() }, records);
    const d = await assembleBuildDetail(failedRecord(), new Map(), s, doctor);
    expect(d.status).toBe('failed');
    expect(d.dockerfile).toEqual({ filename: 'Dockerfile', text: DOCKERFILE, origin: 'error-details' });
    expect(d.error?.location).toEqual({ filename: 'Dockerfile', startLine: 4, endLine: 7 });
    expect(d.error?.logExcerpt).toContain('verifying example.com/liba@v1.1.0: checksum mismatch');
    expect(d.goChecksumMismatch).toEqual({
      module: 'example.com/liba@v1.1.0',
      cacheMountHint: { mounts: [{ target: '/go/pkg/mod', id: 'gomod-x' }], recordIds: ['stale1'] },
    });
    expect(d.doctor?.findings).toHaveLength(1);
  });

  it('keeps the Dockerfile of a failed build whose log is gone, and reports no mismatch it cannot see', async () => {
    const { s } = sources({});
    const d = await assembleBuildDetail(failedRecord(), new Map(), s);
    expect(d.dockerfile?.origin).toBe('error-details');
    expect(d.error?.logExcerpt).toBeNull();
    expect(d.goChecksumMismatch).toBeNull();
    expect(d.doctor).toBeNull();
    expect(d.doctorError).toMatch(/not available/);
  });

  it('reports a doctor failure instead of failing the answer', async () => {
    const { s } = sources({ [PROVENANCE.digest]: provenanceBlob(DOCKERFILE) });
    const broken: DockerfileDoctor = {
      lintDockerfile: () => {
        throw new LensError('bad-input', 'Dockerfile line 3: unknown instruction');
      },
      fixDockerfile: () => ({ fixed: '', diff: '', findings: [] }),
    };
    const d = await assembleBuildDetail(okRecord(), new Map(), s, broken);
    expect(d.dockerfile).not.toBeNull();
    expect(d.doctor).toBeNull();
    expect(d.doctorError).toBe('Dockerfile line 3: unknown instruction');
  });

  it('explains a completed build without provenance', async () => {
    const r = wire({
      ref: 'noprov',
      createdAt: ts('2026-01-01T00:00:00Z'),
      completedAt: ts('2026-01-01T00:00:01Z'),
    });
    const d = await assembleBuildDetail(r, new Map(), sources({}).s);
    expect(d.sourceUnavailable).toMatch(/no provenance attestation/);
  });
});

import type { BuildDetail, BuildSummary, DoctorFinding } from '../../src/api/types';
import { SINGLE_ID } from './data';

/** Build history answers shaped like the backend's, for the builds store and views. */

export const OK_DOCKERFILE = `FROM golang:1.22
WORKDIR /src
COPY . .
RUN --mount=type=bind,source=proxy,target=/proxy \\
    go mod download
RUN go build -o /app .
CMD ["/app"]
`;

export const OK_FIXED = `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN --mount=type=bind,source=proxy,target=/proxy --mount=type=cache,target=/go/pkg/mod \\
    go mod download
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
CMD ["/app"]
`;

const finding = (
  rule: string,
  severity: DoctorFinding['severity'],
  line: number,
  endLine: number,
  message: string,
): DoctorFinding => ({ rule, severity, line, endLine, message, explanation: `Why ${rule} hurts.` });

export const okFindings: DoctorFinding[] = [
  finding('floating-base-tag', 'warning', 1, 1, 'golang:1.22 is not pinned to a patch version'),
  finding('no-module-cache-mount', 'warning', 4, 5, 'go mod download writes the module cache into the layer'),
  finding('no-build-cache-mount', 'error', 6, 6, 'go build writes the build cache into the layer'),
];

export const okBuild: BuildSummary = {
  ref: 'bok1qzpaay2tarz7z28qi558',
  name: 'lens-fixture/single-stage:latest',
  dockerfileName: 'Dockerfile',
  target: null,
  status: 'completed',
  startedAt: '2024-06-03T10:00:00.000Z',
  completedAt: '2024-06-03T10:00:01.700Z',
  durationMs: 1700,
  steps: { total: 12, cached: 3, completed: 12 },
  image: { id: SINGLE_ID, tags: ['lens-fixture/single-stage:latest'] },
  errorMessage: null,
};

export const okDetail: BuildDetail = {
  ...okBuild,
  dockerfile: { filename: 'Dockerfile', text: OK_DOCKERFILE, origin: 'provenance' },
  sourceUnavailable: null,
  error: null,
  goChecksumMismatch: null,
  doctor: { findings: okFindings, fixed: OK_FIXED, diff: '--- a/Dockerfile\n+++ b/Dockerfile\n' },
  doctorError: null,
};

export const FAILED_DOCKERFILE = `FROM lens-base/go:bookworm
RUN echo ready
RUN echo broke && \\
    exit 3
RUN echo never
`;

export const failedBuild: BuildSummary = {
  ref: 'bfail2qzpaay2tarz7z28qi5',
  name: 'Dockerfile',
  dockerfileName: 'Dockerfile',
  target: null,
  status: 'failed',
  startedAt: '2024-06-03T09:00:00.000Z',
  completedAt: '2024-06-03T09:00:00.751Z',
  durationMs: 751,
  steps: { total: 4, cached: 1, completed: 3 },
  image: null,
  errorMessage: 'process "/bin/sh -c echo broke &&     exit 3" did not complete successfully: exit code: 3',
};

export const failedDetail: BuildDetail = {
  ...failedBuild,
  dockerfile: { filename: 'Dockerfile', text: FAILED_DOCKERFILE, origin: 'error-details' },
  sourceUnavailable: null,
  error: {
    message: failedBuild.errorMessage!,
    code: 2,
    location: { filename: 'Dockerfile', startLine: 3, endLine: 4 },
    logExcerpt: 'broke\n',
  },
  goChecksumMismatch: null,
  doctor: { findings: [], fixed: FAILED_DOCKERFILE, diff: '' },
  doctorError: null,
};

export const MISMATCH_DOCKERFILE = `FROM lens-base/go:bookworm
WORKDIR /src
COPY app/ ./
RUN --mount=type=cache,id=gomod,target=/go/pkg/mod \\
    go build -o /out/app .
`;

export const mismatchBuild: BuildSummary = {
  ...failedBuild,
  ref: 'bsum3qzpaay2tarz7z28qi55',
  startedAt: '2024-06-03T08:00:00.000Z',
  completedAt: '2024-06-03T08:00:02.000Z',
  errorMessage: 'process "/bin/sh -c go build -o /out/app ." did not complete successfully: exit code: 1',
};

export const mismatchDetail: BuildDetail = {
  ...mismatchBuild,
  dockerfile: { filename: 'Dockerfile', text: MISMATCH_DOCKERFILE, origin: 'error-details' },
  sourceUnavailable: null,
  error: {
    message: mismatchBuild.errorMessage!,
    code: 2,
    location: { filename: 'Dockerfile', startLine: 4, endLine: 5 },
    logExcerpt: 'verifying example.com/liba@v1.1.0: checksum mismatch\n',
  },
  goChecksumMismatch: {
    module: 'example.com/liba@v1.1.0',
    cacheMountHint: { mounts: [{ target: '/go/pkg/mod', id: 'gomod' }], recordIds: ['rec-mod'] },
  },
  doctor: { findings: [], fixed: MISMATCH_DOCKERFILE, diff: '' },
  doctorError: null,
};

export const runningBuild: BuildSummary = {
  ...okBuild,
  ref: 'brun4qzpaay2tarz7z28qi55',
  name: 'Dockerfile',
  status: 'running',
  startedAt: '2024-06-03T11:00:00.000Z',
  completedAt: null,
  durationMs: null,
  steps: { total: 10, cached: 2, completed: 4 },
  image: null,
};

export const buildsAnswer = { builds: [okBuild, failedBuild, mismatchBuild] };

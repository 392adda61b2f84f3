import { cacheMountsCheck } from './cacheMountCheck.js';
import { defineRule } from '../rule.js';

export const noBuildCacheMount = defineRule({
  id: 'no-build-cache-mount',
  severity: 'warning',
  title: 'go build/install/test without a cache mount on the build cache',
  explanation:
    'The Go build cache (GOCACHE) holds compiled packages, often larger than the program itself. Without ' +
    '`--mount=type=cache` on it, each build step writes the whole cache into the image layer and the next ' +
    'build, with a changed source file, compiles everything from scratch. A cache mount makes rebuilds ' +
    'incremental and keeps the cache out of the image. A mount on a parent directory (`/root/.cache`) or on ' +
    'a moved GOCACHE counts.',
  fixSummary: "add the mount (target = the stage's GOCACHE)",
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app .
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
`,
  },
  fixAllOrNothing: true,
  check: (ctx) => cacheMountsCheck(ctx, 'build'),
  fix: (_ctx, hit) => (hit.data ? { edits: hit.data } : null),
});

import { cacheMountsCheck } from './cacheMountCheck.js';
import { defineRule } from '../rule.js';

export const noModuleCacheMount = defineRule({
  id: 'no-module-cache-mount',
  severity: 'warning',
  title: 'Go downloads modules without a cache mount on the module cache',
  explanation:
    'Without `--mount=type=cache` on GOMODCACHE, every module the step downloads is written into the image ' +
    'layer, where it ships to every user, and is downloaded again whenever the layer is rebuilt. A cache mount ' +
    'keeps the module cache between builds and out of the image. Coverage is judged by path: a mount on a ' +
    'parent (`/go/pkg`) covers the cache, a mount on `/go/pkg/mod/cache` covers only the downloads, not the ' +
    'extracted modules.',
  fixSummary: "add the mount (target = the stage's GOMODCACHE)",
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
`,
  },
  fixAllOrNothing: true,
  check: (ctx) => cacheMountsCheck(ctx, 'mod'),
  fix: (_ctx, hit) => (hit.data ? { edits: hit.data } : null),
});

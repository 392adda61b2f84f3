import { cleanups } from '../facts.js';
import { allRunsOf } from './util.js';
import { defineRule } from '../rule.js';

export const cleanupWrongPath = defineRule<{ start: number; end: number; expected: string }>({
  id: 'cleanup-wrong-path',
  severity: 'error',
  title: 'A cleanup deletes a default Go cache path while the cache lives elsewhere',
  explanation:
    'When GOMODCACHE, GOCACHE, GOPATH or HOME point somewhere else (or the step runs as another user), ' +
    '`rm -rf /go/pkg/mod` or `rm -rf /root/.cache/go-build` deletes a directory that holds nothing, while the ' +
    'real cache stays in the layer. The image looks cleaned in the Dockerfile and is not. Delete the path ' +
    'the step really uses, or let Go tell you: `go clean -modcache -cache`.',
  fixSummary: 'clean the real path',
  docs: {
    bad: `FROM golang:1.22.5 AS build
ENV GOMODCACHE=/opt/gomod
WORKDIR /src
COPY . .
RUN go build -o /out/app . && rm -rf /go/pkg/mod
`,
    good: `FROM golang:1.22.5 AS build
ENV GOMODCACHE=/opt/gomod
WORKDIR /src
COPY . .
RUN go build -o /out/app . && rm -rf /opt/gomod
`,
  },
  check({ model }) {
    return allRunsOf(model).flatMap((run) =>
      cleanups(run)
        .filter((c) => c.wrongPath)
        .map((c) => ({
          line: run.line,
          endLine: run.endLine,
          message: `${c.word.value} is not where this step's ${c.kind === 'mod' ? 'module cache' : 'build cache'} is (${c.kind === 'mod' ? 'GOMODCACHE' : 'GOCACHE'}=${c.wrongPath!.expected}): the real cache stays in the image`,
          fix: `delete ${c.wrongPath!.expected} instead`,
          data: { start: c.word.start, end: c.word.end, expected: c.wrongPath!.expected },
        })),
    );
  },
  fix(_ctx, hit) {
    return { edits: [{ start: hit.data.start, end: hit.data.end, text: hit.data.expected }] };
  },
});

import { goCalls, isToolchainStage } from '../facts.js';
import { chainInstrs, finalStage, isCmd, isRun } from '../model.js';
import { runtimeStageRewrite, type RewriteResult } from '../restructure.js';
import { defineRule } from '../rule.js';

export const toolchainInFinalImage = defineRule<RewriteResult>({
  id: 'toolchain-in-final-image',
  severity: 'error',
  title: 'The last stage is a Go toolchain image',
  explanation:
    'The image people run is the last stage. When that stage is a golang image, every container ships the Go ' +
    'compiler, the standard library sources and whatever the build left behind in GOMODCACHE and GOCACHE: ' +
    'hundreds of megabytes that slow every pull, widen the attack surface and, with a polluted module cache, ' +
    'carry stale or foreign modules into production. Build in one stage and copy only the executable into a ' +
    'small runtime stage.',
  fixSummary: 'multi-stage: build stage + a small runtime stage',
  docs: {
    bad: `FROM golang:1.22.5
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/app .
CMD ["app"]
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -o /usr/local/bin/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /usr/local/bin/app /usr/local/bin/app
CMD ["app"]
`,
  },
  check({ model, options }) {
    const final = finalStage(model);
    if (!isToolchainStage(final)) return [];
    const chain = chainInstrs(final);
    const buildsOrRuns = chain.some((i) => (isRun(i) && goCalls(i).length > 0) || isCmd(i));
    if (!buildsOrRuns) return [];
    const rewrite = runtimeStageRewrite(model, options.runtimeImage);
    const image = final.parent
      ? `stage "${final.parent.name ?? final.parent.index}"`
      : (final.from.image ?? final.from.raw);
    return [
      {
        line: final.fromInstr.line,
        endLine: final.fromInstr.endLine,
        message: `the final stage is built on ${image}, a Go toolchain image: the compiler and any Go caches ship in the image`,
        fix: rewrite.ok
          ? `build in this stage and copy ${rewrite.executable} into a new ${options.runtimeImage} stage`
          : `move the build into its own stage and copy the executable into a ${options.runtimeImage} stage (not automatic: ${rewrite.reason})`,
        data: rewrite,
      },
    ];
  },
  fix(_ctx, hit) {
    return hit.data.ok ? { edits: hit.data.edits } : null;
  },
});

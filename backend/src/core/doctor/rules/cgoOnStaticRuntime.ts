import { cgoOffEdits, cgoSetting, producerStatic, producersOf, type Producer } from '../cgo.js';
import { hasCCompiler } from '../facts.js';
import { chainInstrs, finalStage, isCopy, type Stage } from '../model.js';
import { resolvePath } from '../paths.js';
import { defineRule, type Hit } from '../rule.js';

const LIBC_NAME = {
  none: 'no C library',
  musl: 'musl',
  glibc: 'glibc',
  unknown: 'an unknown C library',
} as const;

export const cgoOnStaticRuntime = defineRule<Producer[]>({
  id: 'cgo-on-static-runtime',
  severity: 'error',
  title: 'The binary runs on scratch, distroless static or Alpine while its build leaves cgo on',
  explanation:
    'With cgo on (the default wherever a C compiler is found, as in the Debian golang images), packages such ' +
    "as net and os/user link the program dynamically against the build stage's C library. On scratch or " +
    'distroless static there is no C library at all, and Alpine has musl instead of glibc: the container dies ' +
    'at start with "no such file or directory" for a file that is plainly there. Build with CGO_ENABLED=0 ' +
    '(or link statically on purpose). cgo with an Alpine build stage and an Alpine runtime is consistent and ' +
    'not reported.',
  fixSummary: '`CGO_ENABLED=0`',
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`,
  },
  check({ model }) {
    const final = finalStage(model);
    const runtimeLibc = final.base.libc;
    if (runtimeLibc === 'unknown' || final.base.toolchain) return [];
    const hits: Hit<Producer[]>[] = [];
    const seen = new Set<Stage>();
    for (const copy of chainInstrs(final).filter(isCopy)) {
      const stage = copy.fromStage;
      if (!stage || seen.has(stage) || stage === final) continue;
      const buildLibc = stage.base.libc;
      if (runtimeLibc !== 'none' && (buildLibc === 'unknown' || buildLibc === runtimeLibc)) continue;
      const producers = copy.sources
        .flatMap((s) => producersOf(stage, resolvePath('/', s.value)))
        .filter((p) => !producerStatic(p));
      const unique = [...new Map(producers.map((p) => [p.call?.info ?? p.opaqueRun, p])).values()];
      if (unique.length === 0) continue;
      seen.add(stage);
      const explicitOn = unique.some((p) => p.call && cgoSetting(p.call) === 'on');
      const cc = hasCCompiler(stage);
      const first = unique[0]!;
      const run = first.call?.run ?? first.opaqueRun!;
      hits.push({
        line: run.line,
        endLine: run.endLine,
        ...(explicitOn || cc ? {} : { severity: 'warning' as const }),
        message:
          `this build leaves cgo ${explicitOn ? 'on' : 'at its default (on where a C compiler is found)'} and links against ` +
          `${LIBC_NAME[buildLibc]}; the final stage (${final.from.image ?? 'scratch'}) has ${LIBC_NAME[runtimeLibc]}`,
        fix: 'build with CGO_ENABLED=0',
        data: unique,
      });
    }
    return hits;
  },
  fix({ model }, hit) {
    return { edits: cgoOffEdits(model, hit.data) };
  },
});

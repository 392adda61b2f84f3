import type { TextEdit } from '../applyEdits.js';
import { producersOf } from '../cgo.js';
import { goPaths } from '../env.js';
import { DEFAULT_PATH } from '../images.js';
import { buildOutputs, cacheFillers, outputMatches, type CacheKind } from '../facts.js';
import { chainInstrs, finalStage, isCmd, isCopy, type CmdInstr, type CopyInstr } from '../model.js';
import { normalizePath, pathContains, resolvePath } from '../paths.js';
import { defineRule } from '../rule.js';

interface Data {
  copy: CopyInstr;
  edits: TextEdit[] | null;
}

export const cacheCopiedToFinalStage = defineRule<Data>({
  id: 'cache-copied-to-final-stage',
  severity: 'error',
  title: 'A COPY --from drags GOPATH or a Go cache into the runtime stage',
  explanation:
    'A multi-stage build only helps if the runtime stage takes the executable and nothing else. ' +
    "`COPY --from=build /go /go` (or `/root`, or `/`) copies the build stage's module cache and build cache " +
    'along with the binary, so the small runtime image carries hundreds of megabytes of sources and compiled ' +
    'packages, including modules no go.sum in the image vouches for. Copy only the executable.',
  fixSummary: 'copy only the binary',
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN go install .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /go /go
ENTRYPOINT ["/go/bin/app"]
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN go install .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /go/bin/app /go/bin/app
ENTRYPOINT ["/go/bin/app"]
`,
  },
  check({ model }) {
    const final = finalStage(model);
    const chain = chainInstrs(final);
    const entry = [...chain]
      .reverse()
      .find(
        (i): i is CmdInstr =>
          isCmd(i) &&
          i.command.words.length > 0 &&
          (i.keyword === 'ENTRYPOINT' || !chain.some((j) => j.keyword === 'ENTRYPOINT')),
      );
    const hits = [];
    for (const copy of final.instrs.filter(isCopy)) {
      const src = copy.fromStage;
      if (!src || src === final || copy.sources.length === 0 || !copy.dest) continue;
      const go = goPaths(src.endEnv, src.endUser);
      const dragged: string[] = [];
      for (const s of copy.sources) {
        const path = resolvePath('/', s.value);
        for (const kind of ['mod', 'build'] as CacheKind[]) {
          const root = kind === 'mod' ? go.gomodcache : go.gocache;
          if (root && pathContains(path, root) && cacheFillers(src, kind).length > 0) dragged.push(root);
        }
      }
      if (dragged.length === 0) continue;
      hits.push({
        line: copy.line,
        endLine: copy.endLine,
        message: `copies ${copy.sources.map((s) => s.value).join(' ')} from stage "${src.name ?? src.index}", which holds its Go cache (${dragged.join(', ')})`,
        fix: 'copy only the executable the image runs',
        data: { copy, edits: binaryOnly(copy, entry) },
      });
    }
    return hits;
  },
  fix(_ctx, hit) {
    return hit.data.edits ? { edits: hit.data.edits } : null;
  },
});

/** Rewrites a single-source COPY to copy just the executable the build produced under that source. */
function binaryOnly(copy: CopyInstr, entry: CmdInstr | undefined): TextEdit[] | null {
  if (copy.sources.length !== 1 || !copy.fromStage || !copy.dest) return null;
  const source = copy.sources[0]!;
  const src = resolvePath('/', source.value);
  const dest = normalizePath(copy.dest.resolved);
  const land = (p: string) => normalizePath(`${dest}/${p.slice(src === '/' ? 0 : src.length)}`);
  const outputs = producersOf(copy.fromStage, src).flatMap((p) => (p.call ? buildOutputs(p.call) : []));
  const sourceOf = (target: string): string | undefined =>
    pathContains(dest, target)
      ? normalizePath(`${src}/${target.slice(dest === '/' ? 0 : dest.length)}`)
      : undefined;
  let pick: string | undefined;
  const exe = entry?.command.words[0]?.value;
  if (exe) {
    const path = entry!.env.get('PATH') ?? DEFAULT_PATH;
    const candidates = exe.includes('/')
      ? [resolvePath(entry!.workdir, exe)]
      : path
          .split(':')
          .filter(Boolean)
          .map((d) => normalizePath(`${d}/${exe}`));
    for (const c of candidates) {
      const s = sourceOf(c);
      if (s && pathContains(src, s) && outputs.some((o) => outputMatches(o, s))) {
        pick = s;
        break;
      }
    }
  }
  const known = [
    ...new Set(outputs.map((o) => o.path).filter((p): p is string => !!p && pathContains(src, p))),
  ];
  if (!pick && known.length === 1) pick = known[0];
  if (!pick) return null;
  return [
    { start: source.start, end: source.end, text: pick },
    { start: copy.dest.start, end: copy.dest.end, text: land(pick) },
  ];
}

import type { TextEdit } from '../applyEdits.js';
import { cleanups, fillsCache, type CacheKind } from '../facts.js';
import { isRun, type RunInstr, type Stage } from '../model.js';
import { cacheMountEdits } from '../mounts.js';
import { defineRule, type Hit } from '../rule.js';

interface State {
  mod: RunInstr[];
  build: RunInstr[];
}

export const cleanupInSeparateLayer = defineRule<CacheKind[]>({
  id: 'cleanup-in-separate-layer',
  severity: 'error',
  title: 'A Go cache is deleted in a later RUN than the one that filled it',
  explanation:
    'Image layers only add: deleting GOMODCACHE or GOCACHE in a later RUN hides the files in the merged ' +
    'filesystem but the layer that wrote them still ships every byte, so the image is exactly as large as ' +
    'before (plus whiteouts). Delete the cache in the same RUN that filled it, or better, put the cache on ' +
    'a `--mount=type=cache` so it never enters a layer.',
  fixSummary: 'do it in the same RUN, or better use cache mounts',
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
RUN go clean -modcache && rm -rf /root/.cache/go-build
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    go build -o /out/app .
`,
  },
  fixAllOrNothing: true,
  check({ model }) {
    const hits: Hit<CacheKind[]>[] = [];
    const endState = new Map<Stage, State>();
    for (const stage of model.stages) {
      const parent = stage.parent ? endState.get(stage.parent) : undefined;
      const state: State = { mod: [...(parent?.mod ?? [])], build: [...(parent?.build ?? [])] };
      for (const run of stage.instrs.filter(isRun)) {
        const cleaned = new Map<CacheKind, RunInstr[]>();
        for (const c of cleanups(run)) {
          if (!(c.covers || c.partial)) continue;
          const fillers = state[c.kind].filter((r) => r !== run);
          if (fillers.length > 0) cleaned.set(c.kind, fillers);
        }
        if (cleaned.size > 0) {
          const kinds = [...cleaned.keys()];
          const firstFiller = [...cleaned.values()].flat().sort((a, b) => a.line - b.line)[0]!;
          const what = kinds.map((k) => (k === 'mod' ? 'module cache' : 'build cache')).join(' and ');
          hits.push({
            line: run.line,
            endLine: run.endLine,
            message: `deletes the ${what} that the RUN at line ${firstFiller.line} wrote: those bytes still ship in its layer`,
            fix: 'put the cache on a --mount=type=cache in the RUNs that fill it (then this cleanup has nothing to do)',
            data: kinds,
          });
        }
        for (const kind of ['mod', 'build'] as const) {
          if (cleanups(run).some((c) => c.kind === kind && c.covers)) state[kind] = [];
          if (fillsCache(run, kind)) state[kind].push(run);
        }
      }
      endState.set(stage, state);
    }
    return hits;
  },
  fix({ model }, hit) {
    const edits: TextEdit[] = [];
    for (const kind of hit.data) {
      const perRun = cacheMountEdits(model, kind);
      if (!perRun) return null;
      for (const e of perRun.values()) edits.push(...e);
    }
    return { edits };
  },
});

import type { TextEdit } from '../applyEdits.js';
import { goPaths, type GoPaths } from '../env.js';
import { pathContains } from '../paths.js';
import { defineRule, type Hit } from '../rule.js';
import { allRunsOf, envSettings, setValueEdit } from './util.js';

function overlap(go: GoPaths): boolean {
  const { gomodcache: m, gocache: c } = go;
  return !!m && !!c && (pathContains(m, c) || pathContains(c, m));
}

function firstFree(candidates: (string | undefined)[], other: string | undefined): string | undefined {
  return candidates.find(
    (c): c is string => !!c && !(other && (pathContains(c, other) || pathContains(other, c))),
  );
}

export const mergedGoCaches = defineRule<TextEdit[] | null>({
  id: 'merged-go-caches',
  severity: 'warning',
  title: 'GOMODCACHE points into the build cache (or both share one cache mount id)',
  explanation:
    'The module cache and the build cache have different lives: modules are immutable downloads verified ' +
    'against go.sum, build results are trimmed by age and wiped with `go clean -cache`. Nesting GOMODCACHE ' +
    'inside GOCACHE (a pattern from old CI guides) or giving both mounts one cache id means cleaning one ' +
    'wipes or corrupts the other, and a stale module can no longer be cleared on its own. Keep two ' +
    'separate paths, each on its own cache mount.',
  fixSummary: 'separate mounts for both caches',
  docs: {
    bad: `FROM golang:1.22.5 AS build
ENV GOCACHE=/cache/go-build GOMODCACHE=/cache/go-build/mod
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/cache/go-build go build -o /out/app .
`,
    good: `FROM golang:1.22.5 AS build
ENV GOCACHE=/cache/go-build GOMODCACHE=/go/pkg/mod
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/cache/go-build --mount=type=cache,target=/go/pkg/mod go build -o /out/app .
`,
  },
  check({ model }) {
    const hits: Hit<TextEdit[] | null>[] = [];
    const reported = new Set<number>();
    const order = ['GOMODCACHE', 'GOCACHE', 'GOPATH', 'HOME', 'XDG_CACHE_HOME'];
    const settings = envSettings(model)
      .filter((s) => order.includes(s.name))
      .sort((a, b) => a.instr.index - b.instr.index || order.indexOf(a.name) - order.indexOf(b.name));
    for (const s of settings) {
      if (reported.has(s.instr.index)) continue;
      let before: GoPaths = s.instr.go;
      let after: GoPaths | undefined;
      if (s.how === 'ENV' || s.how === 'ARG') {
        const next = model.instrs[s.instr.index + 1];
        const stage = s.instr.stage;
        if (!stage) continue;
        after = next && next.stage === stage ? next.go : goPaths(stage.endEnv, stage.endUser);
      } else {
        const info =
          'commands' in s.instr
            ? s.instr.commands.find((c) => c.cmd.words.some((w) => w.start === s.wordSpan?.start))
            : undefined;
        if (!info) continue;
        after = info.go;
        before = s.instr.go;
      }
      if (!overlap(after) || overlap(before)) continue;
      reported.add(s.instr.index);
      let edits: TextEdit[] | null = null;
      if (s.name === 'GOMODCACHE') {
        const v = firstFree(
          [after.gopath && `${after.gopath}/pkg/mod`, '/go/pkg/mod', '/gomodcache'],
          after.gocache,
        );
        const e = v ? setValueEdit(s, v) : null;
        edits = e ? [e] : null;
      } else if (s.name === 'GOCACHE') {
        const v = firstFree(
          [after.home && `${after.home}/.cache/go-build`, '/root/.cache/go-build', '/gocache'],
          after.gomodcache,
        );
        const e = v ? setValueEdit(s, v) : null;
        edits = e ? [e] : null;
      }
      hits.push({
        line: s.instr.line,
        endLine: s.instr.endLine,
        message: `${s.name}=${s.value} puts the module cache (${after.gomodcache}) and the build cache (${after.gocache}) in one tree`,
        fix: 'give GOMODCACHE its own path outside GOCACHE, each on its own cache mount',
        data: edits,
      });
    }
    for (const run of allRunsOf(model)) {
      const mod = run.go.gomodcache;
      const build = run.go.gocache;
      if (!mod || !build) continue;
      const caches = run.mounts.filter((m) => m.type === 'cache' && m.target);
      const modMount = caches.find((m) => pathContains(m.target!, mod));
      const buildMount = caches.find((m) => pathContains(m.target!, build));
      const id = modMount?.options.get('id');
      if (!modMount || !buildMount || modMount === buildMount || !id || id !== buildMount.options.get('id'))
        continue;
      const span = modMount.optionSpans.get('id');
      hits.push({
        line: run.line,
        endLine: run.endLine,
        message: `the module cache mount and the build cache mount share the cache id "${id}"`,
        fix: 'give each cache mount its own id',
        data: span ? [{ ...span, text: `${id}-mod` }] : null,
      });
    }
    return hits;
  },
  fix(_ctx, hit) {
    return hit.data ? { edits: hit.data } : null;
  },
});

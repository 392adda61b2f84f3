import type { TextEdit } from '../applyEdits.js';
import { cacheUses, partialCacheMounts, type CacheKind } from '../facts.js';
import { cacheMountEdits, uncoveredRuns } from '../mounts.js';
import type { Hit, RuleContext } from '../rule.js';

/** Shared check of no-module-cache-mount and no-build-cache-mount: one hit per RUN without coverage. */
export function cacheMountsCheck({ model }: RuleContext, kind: CacheKind): Hit<TextEdit[] | null>[] {
  const what = kind === 'mod' ? 'module cache' : 'build cache';
  const envName = kind === 'mod' ? 'GOMODCACHE' : 'GOCACHE';
  const edits = cacheMountEdits(model, kind);
  return uncoveredRuns(model, kind).map(({ run, paths }) => {
    const uses = cacheUses(run, kind).filter((u) => paths.includes(u.path));
    const opaque = uses.every((u) => u.opaque);
    const partial = paths.flatMap((p) => partialCacheMounts(run, p).map((m) => ({ p, m })))[0];
    const tool = uses[0]?.info.cmd.argv[0]?.value ?? 'the build';
    const calls = uses.map((u) => u.call?.sub).filter((s): s is string => !!s);
    const sub = calls.find((s) => s === 'build' || s === 'install') ?? calls[0];
    let message: string;
    if (partial) {
      message = `the cache mount on ${partial.m.target} covers only part of the ${what} (${envName}=${partial.p})`;
    } else if (opaque) {
      message = `"${tool}" in a Go toolchain stage is probably a Go build whose flags cannot be seen; nothing mounts the ${what} (${paths.join(', ')})`;
    } else {
      message = `go ${sub ?? ''} writes the ${what} (${paths.join(', ')}) into the image layer: no --mount=type=cache covers it`;
    }
    const mine = edits?.get(run);
    return {
      line: run.line,
      endLine: run.endLine,
      message: message.replace('go  ', 'go '),
      ...(opaque ? { severity: 'info' as const } : {}),
      fix: partial
        ? `mount the cache on ${paths.join(', ')} instead`
        : `add --mount=type=cache,target=${paths.join(' and ')} to this RUN${edits ? '' : ' (not automatic here: a step runs as a named user; add uid=/gid= yourself)'}`,
      data: mine ?? null,
    };
  });
}

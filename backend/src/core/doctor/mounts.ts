import type { TextEdit } from './applyEdits.js';
import { addRunFlag, removeCommand, removeWord } from './edits.js';
import { isRootUser } from './env.js';
import { allRuns, cacheUses, cleanups, mountsCovering, partialCacheMounts, type CacheKind } from './facts.js';
import type { DockerfileModel, RunInstr } from './model.js';
import { normalizePath } from './paths.js';

/**
 * The cache-mount fix, shared by the mount rules and the cleanup rule. It is all or nothing for one cache
 * kind: every RUN of the file that uses that cache gets a cache mount on the step's effective cache path
 * (a RUN left without one would no longer find what an earlier, now mounted, step downloaded), and
 * cleanups of that cache inside those RUNs are dropped (removing a mount point fails, and the mount keeps
 * the cache out of the image anyway).
 */

export function mountFlag(path: string, user: string | undefined): string | null {
  let owner = '';
  if (!isRootUser(user)) {
    const m = /^(\d+)(?::(\d+))?$/.exec(user!.trim());
    if (!m) return null;
    owner = `,uid=${m[1]}${m[2] ? `,gid=${m[2]}` : ''}`;
  }
  return `--mount=type=cache,target=${path}${owner}`;
}

/** RUNs of the file that use the cache of `kind` without a cache mount covering it. */
export function uncoveredRuns(model: DockerfileModel, kind: CacheKind): { run: RunInstr; paths: string[] }[] {
  const out: { run: RunInstr; paths: string[] }[] = [];
  for (const run of allRuns(model)) {
    const paths = [...new Set(cacheUses(run, kind).map((u) => u.path))].filter(
      (p) => mountsCovering(run, p, 'cache').length === 0,
    );
    if (paths.length > 0) out.push({ run, paths });
  }
  return out;
}

/**
 * Per RUN, the edits that mount the cache of `kind`; null when any RUN cannot be handled (a non-numeric
 * USER, a cleanup that cannot be taken out), since mounting only some steps would break the others.
 */
export function cacheMountEdits(model: DockerfileModel, kind: CacheKind): Map<RunInstr, TextEdit[]> | null {
  const out = new Map<RunInstr, TextEdit[]>();
  for (const { run, paths } of uncoveredRuns(model, kind)) {
    const edits: TextEdit[] = [];
    for (const path of paths) {
      const partial = partialCacheMounts(run, path)[0];
      if (partial?.targetValue) {
        edits.push({ start: partial.targetValue.start, end: partial.targetValue.end, text: path });
        continue;
      }
      const flag = mountFlag(path, run.user);
      if (!flag) return null;
      edits.push(addRunFlag(model, run, flag));
    }
    for (const c of cleanups(run)) {
      if (c.kind !== kind || !(c.covers || c.partial || c.wrongPath)) continue;
      const edit = removeCleanup(run, c.info, c.word, kind);
      if (!edit) return null;
      edits.push(edit);
    }
    out.set(run, edits);
  }
  return out;
}

/** Drops what a cleanup removes of `kind`: the path/flag word, or the whole command when nothing is left. */
function removeCleanup(
  run: RunInstr,
  info: Parameters<typeof removeCommand>[1],
  word: Parameters<typeof removeWord>[1],
  kind: CacheKind,
): TextEdit | null {
  const argv = info.cmd.argv;
  const others = cleanups(run).filter((c) => c.info === info && c.word !== word && c.kind !== kind);
  if (argv[0]?.value === 'rm') {
    const operands = argv.slice(1).filter((w) => !w.value.startsWith('-'));
    const remaining = operands.filter((w) => w !== word);
    if (remaining.length > 0) return removeWord(info, word);
    return removeCommand(run, info);
  }
  // go clean: keep the command when it still does something else (-cache, -testcache, packages).
  const rest = argv.slice(2).filter((w) => w !== word);
  if (rest.length > 0 && !(others.length === 0 && rest.every((w) => /^-(x|n|i|r)$/.test(w.value)))) {
    return removeWord(info, word);
  }
  return removeCommand(run, info);
}

export function samePath(a: string, b: string): boolean {
  return normalizePath(a) === normalizePath(b);
}

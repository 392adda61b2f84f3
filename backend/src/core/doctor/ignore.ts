import type { DockerfileModel } from './model.js';
import type { RuleResult } from './rule.js';

/**
 * Silencing, applied as one filter after the rules ran (no rule knows about it): inline pragmas
 * `# gocache-lens ignore=slug[,slug…]` on the comment lines directly above an instruction (or inside a
 * continued one) silence those rules for that instruction; `# gocache-lens ignore-file=slug[,…]` anywhere
 * silences them for the file; config-level slugs silence them everywhere.
 */

const PRAGMA = /^#\s*gocache-lens\s+(ignore|ignore-file)\s*=\s*([A-Za-z0-9_,\s-]+)$/;

export interface Silencer {
  isSilenced(rule: string, line: number): boolean;
  /** Slugs named in pragmas or config that no rule has. */
  unknown: string[];
}

export function silencer(
  model: DockerfileModel,
  configIgnore: readonly string[],
  known: readonly string[],
): Silencer {
  const perLine = new Map<number, Set<string>>();
  const fileWide = new Set<string>(configIgnore);
  const lines = model.source.text.split('\n');
  const instrs = model.instrs;
  lines.forEach((raw, idx) => {
    const m = PRAGMA.exec(raw.trim());
    if (!m) return;
    const slugs = m[2]!.split(/[\s,]+/).filter(Boolean);
    if (m[1] === 'ignore-file') {
      for (const s of slugs) fileWide.add(s);
      return;
    }
    const line = idx + 1;
    // The instruction that contains this comment line, or the next one after it.
    const target = instrs.find((i) => i.endLine >= line);
    if (!target) return;
    const set = perLine.get(target.line) ?? new Set<string>();
    for (const s of slugs) set.add(s);
    perLine.set(target.line, set);
  });
  const named = new Set<string>([...fileWide, ...[...perLine.values()].flatMap((s) => [...s])]);
  return {
    isSilenced: (rule, line) =>
      fileWide.has(rule) ||
      fileWide.has('all') ||
      !!perLine.get(line)?.has(rule) ||
      !!perLine.get(line)?.has('all'),
    unknown: [...named].filter((s) => s !== 'all' && !known.includes(s)),
  };
}

export function applySilencer(results: RuleResult[], s: Silencer): RuleResult[] {
  return results.filter((r) => !s.isSilenced(r.rule, r.line));
}

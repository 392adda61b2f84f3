import type { Severity } from './analysisTypes.js';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** `--fail-on` threshold: true when `s` is at or above `threshold` ('none' never fails). */
export function atOrAbove(s: Severity, threshold: Severity | 'none'): boolean {
  return threshold !== 'none' && RANK[s] >= RANK[threshold];
}

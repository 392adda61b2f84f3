import type { BuildCacheRecord } from '../api/types';
import { shortInstruction } from './format';

export type Group = 'module' | 'build' | 'other';

export function groupOf(r: BuildCacheRecord): Group {
  return r.category === 'go-module-cache' ? 'module' : r.category === 'go-build-cache' ? 'build' : 'other';
}

/** `cached mount /go/pkg/mod from exec /bin/sh -c go mod download with id "//go/pkg/mod"` -> parts. */
export function describeRecord(r: BuildCacheRecord): { title: string; detail?: string } {
  const m = /^cached mount (\S+) from exec (.*?)(?: with id "(.*)")?$/.exec(r.description);
  if (m) {
    const step = shortInstruction(`RUN ${m[2]!}`).replace(/^RUN /, '');
    return { title: m[1]!, detail: `${step}${m[3] ? ` (id ${m[3]})` : ''}` };
  }
  const layer = /^mount \/ from exec (.*)$/.exec(r.description);
  if (layer) return { title: shortInstruction(`RUN ${layer[1]!}`), detail: 'filesystem after this step' };
  return { title: r.description || r.type || r.id.slice(0, 12) };
}

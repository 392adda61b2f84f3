import type { BuildStatus, BuildSummary, DoctorFinding, LayerReport, Severity } from '../api/types';
import { cleanInstruction } from './format';
import { splitLines } from './lineDiff';

export const BUILD_STATUS_LABEL: Record<BuildStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** `141 ms`, `1.7 s`, `2 min 5 s`, `1 h 3 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  if (m < 60) return total % 60 ? `${m} min ${total % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Share of the build's steps answered from the build cache, or undefined for a build without steps. */
export function cacheHitRatio(steps: BuildSummary['steps']): number | undefined {
  return steps.total > 0 ? Math.min(1, steps.cached / steps.total) : undefined;
}

/** The worst severity among findings. */
export function worstSeverity(findings: readonly { severity: Severity }[]): Severity | undefined {
  if (findings.some((f) => f.severity === 'error')) return 'error';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return findings.length > 0 ? 'info' : undefined;
}

/** The Dockerfile's name as built: `Dockerfile`, `app.Dockerfile (target build)`. */
export function dockerfileLabel(b: Pick<BuildSummary, 'dockerfileName' | 'target'>): string {
  return b.target ? `${b.dockerfileName} (target ${b.target})` : b.dockerfileName;
}

// ---- Dockerfile instructions <-> image layers ----

const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/**
 * A comparable form of a build step: keyword and arguments with the `--flags` dropped (BuildKit leaves
 * `--mount` and `--from` out of the image history) and whitespace collapsed; exec form joined with spaces.
 * Undefined for instructions that make no layer of their own.
 */
export function instructionKey(instruction: string): string | undefined {
  const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(instruction);
  if (!m) return undefined;
  const keyword = m[1]!.toUpperCase();
  if (!LAYER_KEYWORDS.has(keyword)) return undefined;
  let rest = m[2]!.trim();
  for (;;) {
    const flag = /^--[A-Za-z-]+(?:=(?:"[^"]*"|'[^']*'|\S)*)?\s+/.exec(rest);
    if (!flag) break;
    rest = rest.slice(flag[0].length);
  }
  if (rest.startsWith('[')) {
    try {
      const parts: unknown = JSON.parse(rest);
      if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) rest = parts.join(' ');
    } catch {
      // shell form that starts with a bracket
    }
  }
  rest = rest.replace(/\s+/g, ' ').trim();
  return rest ? `${keyword} ${rest}` : undefined;
}

/** The key of an image layer's history entry (`RUN /bin/sh -c go build # buildkit` -> `RUN go build`). */
export function layerKey(createdBy: string): string | undefined {
  return instructionKey(cleanInstruction(createdBy));
}

/**
 * The instruction that starts on `line` (1-based), continuation lines joined the way the Dockerfile
 * parser does: a trailing backslash continues, comment and blank lines inside a continuation are skipped.
 */
export function instructionAt(text: string, line: number): string | undefined {
  const lines = splitLines(text);
  if (line < 1 || line > lines.length) return undefined;
  let out = '';
  for (let i = line - 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (i > line - 1 && (/^\s*#/.test(l) || l.trim() === '')) continue;
    const cont = /\\\s*$/.exec(l);
    if (!cont) return out + l;
    out += `${l.slice(0, cont.index)} `;
  }
  return out;
}

/**
 * The image layer a Dockerfile finding is about: the layer whose history entry is the instruction on the
 * finding's line. When several layers match, the last one (the final stage's steps come last).
 */
export function layerOfFinding(
  finding: Pick<DoctorFinding, 'line'>,
  dockerfile: string,
  layers: readonly LayerReport[],
): LayerReport | undefined {
  const instruction = instructionAt(dockerfile, finding.line);
  const key = instruction && instructionKey(instruction);
  if (!key) return undefined;
  let found: LayerReport | undefined;
  for (const l of layers) if (layerKey(l.createdBy) === key) found = l;
  return found;
}

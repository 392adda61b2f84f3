import { createTwoFilesPatch } from 'diff';
import type { Severity } from '../analysisTypes.js';
import { LensError } from '../errors.js';
import { applyEdits, type TextEdit } from './applyEdits.js';
import { applySilencer, silencer } from './ignore.js';
import { parseDockerfile, type DockerfileModel, type LocalImageEnv } from './model.js';
import { RULES } from './registry.js';
import type { RuleDefinition, RuleOptions, RuleResult } from './rule.js';

/**
 * The Dockerfile doctor: `lintDockerfile` reports Go cache pitfalls with an explanation and a proposed fix;
 * `fixDockerfile` applies every automatic fix and returns the fixed file and a unified diff.
 */

export { RULES } from './registry.js';
export type { RuleDefinition } from './rule.js';
export { renderRulesTable } from './rulesTable.js';

/** Version of the `lint --format json` document. */
export const DOCTOR_SCHEMA_VERSION = 1;
export const DEFAULT_RUNTIME_IMAGE = 'gcr.io/distroless/static-debian12:nonroot';

export interface DoctorFinding {
  rule: string;
  severity: Severity;
  /** One-based, inclusive. */
  line: number;
  endLine: number;
  message: string;
  /** Why it hurts, one paragraph (the rule's explanation). */
  explanation: string;
  /** One-line description of the fix. */
  fix?: string;
  /** True when `fixDockerfile` changes the file for this finding. */
  fixable: boolean;
}

export interface LintOptions {
  /** `.dockerignore` content of the build context; null = context without one; undefined = no context given. */
  dockerignore?: string | null;
  /** Config-level silenced rule slugs. */
  ignore?: string[];
  /** Env (`NAME=value` list) of a local image, for GOLANG_VERSION pinning and base image facts. */
  localImageEnv?: (image: string) => string[] | undefined;
  /** Top-level entries of the build context (directories end with `/`), when a context is given. */
  contextEntries?: readonly string[];
  /** Image of a new runtime stage (default gcr.io/distroless/static-debian12:nonroot). */
  runtimeImage?: string;
}

export interface FixOptions extends LintOptions {
  /** Name shown in the diff headers (default `Dockerfile`). */
  fileName?: string;
}

export interface FixOutcome {
  fixed: string;
  /** Unified diff from the input to `fixed`; empty when nothing changed. */
  diff: string;
  /** Findings of the input. */
  findings: DoctorFinding[];
  /** Findings still reported for the fixed file (rules without an automatic fix, or refused rewrites). */
  remaining: DoctorFinding[];
  /** Rules whose fixes were applied, in order. */
  appliedRules: string[];
  /** The `.dockerignore` to write, when missing-dockerignore fired and a context was given. */
  dockerignore?: string;
}

interface Analysis {
  model: DockerfileModel;
  /** After silencing. */
  results: RuleResult[];
  /** Rules with at least one silenced finding. */
  silencedRules: Set<string>;
}

function ruleOptions(opts: LintOptions): RuleOptions {
  return {
    runtimeImage: opts.runtimeImage?.trim() || DEFAULT_RUNTIME_IMAGE,
    ...(opts.dockerignore !== undefined ? { dockerignore: opts.dockerignore } : {}),
    ...(opts.contextEntries ? { contextEntries: opts.contextEntries } : {}),
  };
}

function validateOptions(opts: LintOptions): void {
  const unknown = (opts.ignore ?? []).filter((s) => s !== 'all' && !RULES.some((r) => r.id === s));
  if (unknown.length > 0)
    throw new LensError('bad-input', `unknown rule in ignore list: ${unknown.join(', ')}`);
  if (opts.runtimeImage !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(opts.runtimeImage.trim())) {
    throw new LensError('bad-input', `runtime image "${opts.runtimeImage}" is not an image reference`);
  }
}

function analyse(text: string, opts: LintOptions): Analysis {
  const localImageEnv: LocalImageEnv | undefined = opts.localImageEnv;
  const model = parseDockerfile(text, localImageEnv);
  const ctx = { model, options: ruleOptions(opts) };
  const all = RULES.flatMap((r: RuleDefinition) => r.run(ctx));
  const s = silencer(
    model,
    opts.ignore ?? [],
    RULES.map((r) => r.id),
  );
  const results = applySilencer(all, s);
  const silencedRules = new Set(all.filter((r) => !results.includes(r)).map((r) => r.rule));
  return { model, results, silencedRules };
}

function toFinding(r: RuleResult): DoctorFinding {
  return {
    rule: r.rule,
    severity: r.severity,
    line: r.line,
    endLine: r.endLine,
    message: r.message,
    explanation: r.explanation,
    fix: r.fixDescription,
    fixable: !!r.fix && r.fix.edits.length > 0,
  };
}

function sortFindings(findings: DoctorFinding[]): DoctorFinding[] {
  const order = (id: string) => RULES.findIndex((r) => r.id === id);
  return findings.sort(
    (a, b) => a.line - b.line || order(a.rule) - order(b.rule) || a.message.localeCompare(b.message),
  );
}

export function lintDockerfile(text: string, opts: LintOptions = {}): { findings: DoctorFinding[] } {
  validateOptions(opts);
  return { findings: sortFindings(analyse(text, opts).results.map(toFinding)) };
}

/** External images the FROM lines name (after ARG defaults), for callers that look up local images. */
export function baseImages(text: string): string[] {
  const model = parseDockerfile(text);
  return [
    ...new Set(
      model.stages
        .filter((s) => !s.parent && s.from.image && s.from.image !== 'scratch')
        .map((s) => s.from.image!),
    ),
  ];
}

const MAX_PASSES = 60;

function fixableCount(a: Analysis, rule: string): number {
  return a.results.filter((r) => r.rule === rule && r.fix && r.fix.edits.length > 0).length;
}

/**
 * Applies the fixes rule by rule, in registry order, re-parsing and re-linting after each step so every
 * fix sees the file as the previous ones left it; stops when no rule has an applicable fix. A step that
 * changes nothing, repeats an earlier text or breaks parsing is dropped and its rule not retried.
 */
export function fixDockerfile(text: string, opts: FixOptions = {}): FixOutcome {
  validateOptions(opts);
  const first = analyse(text, opts);
  const findings = sortFindings(first.results.map(toFinding));
  let current = text;
  let analysis = first;
  const stuck = new Set<string>();
  const seen = new Set<string>([text]);
  const appliedRules: string[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const rule = RULES.find((r) => {
      if (stuck.has(r.id)) return false;
      if (r.fixAllOrNothing && analysis.silencedRules.has(r.id)) return false;
      return analysis.results.some((x) => x.rule === r.id && x.fix && x.fix.edits.length > 0);
    });
    if (!rule) break;
    const edits: TextEdit[] = analysis.results
      .filter((x) => x.rule === rule.id)
      .flatMap((x) => x.fix?.edits ?? []);
    const next = applyEdits(current, edits).text;
    if (seen.has(next)) {
      stuck.add(rule.id);
      continue;
    }
    let nextAnalysis: Analysis;
    try {
      nextAnalysis = analyse(next, opts);
    } catch {
      stuck.add(rule.id);
      continue;
    }
    // A step must make progress on its own rule; otherwise drop it (and never loop on it).
    if (fixableCount(nextAnalysis, rule.id) >= fixableCount(analysis, rule.id)) {
      stuck.add(rule.id);
      continue;
    }
    seen.add(next);
    current = next;
    analysis = nextAnalysis;
    if (!appliedRules.includes(rule.id)) appliedRules.push(rule.id);
  }
  const remaining = sortFindings(analysis.results.map(toFinding));
  const dockerignore = analysis.results.find((r) => r.rule === 'missing-dockerignore')?.fix?.dockerignore;
  const name = opts.fileName ?? 'Dockerfile';
  const diff =
    current === text
      ? ''
      : createTwoFilesPatch(`a/${name}`, `b/${name}`, text, current, undefined, undefined, {
          headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true },
        });
  return {
    fixed: current,
    diff,
    findings,
    remaining,
    appliedRules,
    ...(dockerignore !== undefined ? { dockerignore } : {}),
  };
}

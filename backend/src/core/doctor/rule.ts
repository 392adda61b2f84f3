import type { Severity } from '../analysisTypes.js';
import type { TextEdit } from './applyEdits.js';
import type { DockerfileModel } from './model.js';

/** Options every rule may read. */
export interface RuleOptions {
  /** Image of a new final stage. */
  runtimeImage: string;
  /** `.dockerignore` content; null = context without one; undefined = no context given. */
  dockerignore?: string | null;
  /** Top-level entries of the build context (directories end with `/`), when known. */
  contextEntries?: readonly string[];
}

export interface RuleContext {
  model: DockerfileModel;
  options: RuleOptions;
}

/** One place a rule fires, with the data its fix needs. */
export interface Hit<D = undefined> {
  /** One-based, inclusive. */
  line: number;
  endLine: number;
  message: string;
  /** Overrides the rule's severity (e.g. lower for builds whose flags cannot be seen). */
  severity?: Severity;
  /** One-line description of the fix for this finding. */
  fix: string;
  data: D;
}

/** What a fix changes: Dockerfile edits and/or a `.dockerignore` to write. */
export interface FixResult {
  edits: TextEdit[];
  dockerignore?: string;
}

export interface RuleDocs {
  /** A Dockerfile that triggers the rule. */
  bad: string;
  /** The same after the fix: does not trigger it. */
  good: string;
}

export interface RuleSpec<D> {
  /** Stable slug. */
  id: string;
  severity: Severity;
  /** What it catches, one line. */
  title: string;
  /** Why it hurts, one paragraph. */
  explanation: string;
  /** The fix it proposes, one line (for the rules table). */
  fixSummary: string;
  docs: RuleDocs;
  check(ctx: RuleContext): Hit<D>[];
  /** Text edits for one hit; null when it cannot be fixed automatically (the advice still stands). */
  fix?(ctx: RuleContext, hit: Hit<D>): FixResult | null;
  /**
   * The hits' fixes only work together (e.g. cache mounts on every step that uses the cache): when any
   * of this rule's findings is silenced, none of its fixes is applied.
   */
  fixAllOrNothing?: boolean;
}

/** A rule's finding with its fix already computed. */
export interface RuleResult {
  rule: string;
  severity: Severity;
  line: number;
  endLine: number;
  message: string;
  explanation: string;
  fixDescription: string;
  fix: FixResult | null;
}

export interface RuleDefinition {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly explanation: string;
  readonly fixSummary: string;
  readonly docs: RuleDocs;
  /** True when the rule can produce text edits. */
  readonly autoFix: boolean;
  readonly fixAllOrNothing: boolean;
  run(ctx: RuleContext): RuleResult[];
}

export function defineRule<D>(spec: RuleSpec<D>): RuleDefinition {
  return {
    id: spec.id,
    severity: spec.severity,
    title: spec.title,
    explanation: spec.explanation,
    fixSummary: spec.fixSummary,
    docs: spec.docs,
    autoFix: typeof spec.fix === 'function',
    fixAllOrNothing: spec.fixAllOrNothing ?? false,
    run(ctx) {
      return spec.check(ctx).map((hit) => {
        const fix = spec.fix ? spec.fix(ctx, hit) : null;
        return {
          rule: spec.id,
          severity: hit.severity ?? spec.severity,
          line: hit.line,
          endLine: hit.endLine,
          message: hit.message,
          explanation: spec.explanation,
          fixDescription: hit.fix,
          fix: fix && (fix.edits.length > 0 || fix.dockerignore !== undefined) ? fix : null,
        };
      });
    },
  };
}

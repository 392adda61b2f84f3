import { RULES } from './registry.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The README's rule table (markdown), generated from the registry. */
export function renderRulesTable(): string {
  const rows = RULES.map(
    (r) =>
      `| \`${r.id}\` | ${r.severity} | ${cell(r.title)} | ${cell(r.fixSummary)}${r.autoFix ? '' : ' (advice only)'} |`,
  );
  return [
    '| rule | severity | what it catches | the fix it proposes |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

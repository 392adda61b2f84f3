import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES, renderRulesTable } from '../../../src/core/doctor/index.js';
import { findingsOf } from './helpers.js';

const backend = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rulesDir = join(backend, 'src', 'core', 'doctor', 'rules');

/** Rule slugs defined in rule files (`id: '…'` inside defineRule). */
function definedSlugs(): string[] {
  return readdirSync(rulesDir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) =>
      [
        ...readFileSync(join(rulesDir, f), 'utf8').matchAll(
          /defineRule(?:<[^(]*>)?\(\{\s*id:\s*'([a-z0-9-]+)'/g,
        ),
      ].map((m) => m[1]!),
    );
}

describe('rule registry', () => {
  it('registers every rule defined in rules/, once', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...definedSlugs()].sort());
  });

  it('has the product slugs', () => {
    expect(RULES.map((r) => r.id).sort()).toEqual(
      [
        'floating-base-tag',
        'toolchain-in-final-image',
        'no-module-cache-mount',
        'no-build-cache-mount',
        'copy-before-download',
        'cleanup-in-separate-layer',
        'cleanup-wrong-path',
        'cache-copied-to-final-stage',
        'cgo-on-static-runtime',
        'go111module-not-on',
        'checksum-db-disabled',
        'merged-go-caches',
        'no-cross-compile-platform',
        'unpinned-go-install',
        'missing-dockerignore',
      ].sort(),
    );
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      it('is documented', () => {
        expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(rule.title.length).toBeGreaterThan(10);
        expect(rule.explanation.length).toBeGreaterThan(150);
        expect(rule.explanation).toMatch(/\.$/);
        expect(rule.fixSummary.length).toBeGreaterThan(3);
        expect(rule.docs.bad.trim()).not.toBe('');
        expect(rule.docs.good.trim()).not.toBe('');
      });

      it('fires on its ❌ example and not on its ✅ example', () => {
        const ctx = (kind: 'bad' | 'good') =>
          rule.id === 'missing-dockerignore'
            ? { dockerignore: kind === 'bad' ? null : '.git\n**/*.test\n.cache\n' }
            : {};
        expect(findingsOf(rule.id, rule.docs.bad, ctx('bad')).length).toBeGreaterThan(0);
        expect(findingsOf(rule.id, rule.docs.good, ctx('good'))).toEqual([]);
      });
    });
  }

  it('renders the README rule table from the registry', () => {
    const table = renderRulesTable();
    const rows = table.trim().split('\n');
    expect(rows[0]).toBe('| rule | severity | what it catches | the fix it proposes |');
    expect(rows).toHaveLength(RULES.length + 2);
    for (const r of RULES) expect(table).toContain(`| \`${r.id}\` | ${r.severity} |`);
  });

  it('prints the same table from scripts/rules-table.ts', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join('scripts', 'rules-table.ts')], {
      cwd: backend,
      encoding: 'utf8',
    });
    expect(out).toBe(renderRulesTable());
  });
});

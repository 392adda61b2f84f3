import { describe, expect, it } from 'vitest';
import { fixDockerfile, lintDockerfile } from '../../../src/core/doctor/index.js';
import { parseDockerfile } from '../../../src/core/doctor/model.js';
import { isToolchainStage } from '../../../src/core/doctor/facts.js';
import { CORPUS, corpusDockerfile } from '../../doctor-corpus/corpus.js';
import { golangEnv } from './helpers.js';

function counts(text: string, opts = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of lintDockerfile(text, opts).findings) out[f.rule] = (out[f.rule] ?? 0) + 1;
  return out;
}

function commentLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('#'));
}

describe('doctor corpus', () => {
  it('has the entries the issue asks for', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(15);
    expect(CORPUS.filter((e) => e.integration).length).toBeGreaterThanOrEqual(4);
  });

  for (const entry of CORPUS) {
    describe(entry.name, () => {
      const text = corpusDockerfile(entry.name);

      it('triggers exactly the expected rules', () => {
        expect(counts(text)).toEqual(entry.expect);
      });

      for (const variant of ['no local images', 'local golang images'] as const) {
        const opts = variant === 'no local images' ? {} : { localImageEnv: golangEnv('1.22.5') };
        it(`fix (${variant}): parses, is idempotent, and the fixed rules no longer fire`, () => {
          const result = fixDockerfile(text, opts);
          // A fixed finding is gone: what is left of an applied rule are findings it cannot fix.
          const after = lintDockerfile(result.fixed, opts).findings;
          for (const rule of result.appliedRules) {
            const left = after.filter((f) => f.rule === rule);
            expect(
              left.filter((f) => f.fixable),
              `${rule} after fix`,
            ).toEqual([]);
            const before = result.findings.filter((f) => f.rule === rule).length;
            if (before > 0) expect(left.length).toBeLessThan(before);
          }
          // Fixing twice gives the same file as fixing once.
          const again = fixDockerfile(result.fixed, opts);
          expect(again.fixed).toBe(result.fixed);
          expect(again.diff).toBe('');
          // Comments survive, and the line endings stay the file's own.
          expect(commentLines(result.fixed)).toEqual(expect.arrayContaining(commentLines(text)));
          if (text.includes('\r\n')) expect(result.fixed.replace(/\r\n/g, '')).not.toContain('\n');
          // Findings with an automatic fix are all gone.
          expect(result.remaining.filter((f) => f.fixable)).toEqual([]);
          if (result.fixed !== text)
            expect(result.diff).toMatch(/^--- a\/Dockerfile\n\+\+\+ b\/Dockerfile\n@@ /);
        });
      }

      if (entry.expect['toolchain-in-final-image'] && entry.build) {
        it('fix ends in a final stage that is not a Go toolchain image', () => {
          const model = parseDockerfile(fixDockerfile(text).fixed);
          expect(isToolchainStage(model.stages[model.stages.length - 1]!)).toBe(false);
        });
      }
    });
  }

  it('pins golang tags from the local image when the version agrees', () => {
    const text = corpusDockerfile('official-readme');
    expect(fixDockerfile(text, { localImageEnv: golangEnv('1.22.5') }).fixed).toContain(
      'golang:1.22.5 AS build',
    );
    // The local golang:1.22 claims another release: no pin is proposed.
    expect(fixDockerfile(text, { localImageEnv: golangEnv('1.19.8') }).fixed).toContain(
      'golang:1.22 AS build',
    );
    const viaArg = fixDockerfile(corpusDockerfile('docker-init'), {
      localImageEnv: golangEnv('1.22.5'),
    }).fixed;
    expect(viaArg).toContain('ARG GO_VERSION=1.22.5\n');
  });
});

import { describe, expect, it } from 'vitest';
import { fixDockerfile, lintDockerfile } from '../../../src/core/doctor/index.js';
import { LensError } from '../../../src/core/errors.js';
import { CORPUS, corpusDockerfile } from '../../doctor-corpus/corpus.js';

/**
 * Mangled corpus files (deterministic pseudo-random edits): the doctor either works, idempotently, or
 * rejects the input with a LensError. It never crashes and never loops.
 */
describe('doctor on mangled input', () => {
  it('never crashes, and fixing stays idempotent', () => {
    const files = CORPUS.map((e) => corpusDockerfile(e.name));
    const pieces = [
      '\\',
      '`',
      '"',
      "'",
      '$',
      '${',
      '}',
      '(',
      '<<EOF\n',
      '\n',
      ' ',
      '&&',
      '|',
      '#',
      '=',
      '--mount=type=cache,target=',
      'go build ',
      'COPY --from=',
      'FROM ',
      'ARG X',
      'rm -rf /go/pkg/mod',
      ' AS ',
      '\r\n',
      '["',
      '--platform',
    ];
    let seed = 20240601;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let rejected = 0;
    for (let i = 0; i < 150; i++) {
      let s = files[rnd(files.length)]!;
      for (let k = 1 + rnd(4); k > 0; k--) {
        const at = rnd(s.length + 1);
        const op = rnd(3);
        if (op === 0) s = s.slice(0, at) + pieces[rnd(pieces.length)]! + s.slice(at);
        else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + rnd(20));
        else {
          const lines = s.split('\n');
          const a = rnd(lines.length);
          const b = rnd(lines.length);
          [lines[a], lines[b]] = [lines[b]!, lines[a]!];
          s = lines.join('\n');
        }
      }
      try {
        lintDockerfile(s);
        const once = fixDockerfile(s).fixed;
        expect(fixDockerfile(once).fixed, JSON.stringify(s)).toBe(once);
      } catch (e) {
        if (!(e instanceof LensError)) throw new Error(`crash on ${JSON.stringify(s)}: ${String(e)}`);
        expect(e.code).toBe('bad-input');
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(150);
  });
});

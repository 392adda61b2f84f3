import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../../src/core/doctor/applyEdits.js';
import { dockerfileShellText, parseShell } from '../../../src/core/doctor/shell.js';

describe('applyEdits', () => {
  it('applies non-overlapping edits regardless of order', () => {
    const r = applyEdits('abcdef', [
      { start: 4, end: 5, text: 'E' },
      { start: 0, end: 1, text: 'A' },
    ]);
    expect(r.text).toBe('AbcdEf');
    expect(r.rejected).toEqual([]);
  });

  it('keeps insertions at one point in the order given, before a replacement starting there', () => {
    const r = applyEdits('RUN go build', [
      { start: 4, end: 4, text: '--a ' },
      { start: 4, end: 6, text: 'GO' },
      { start: 4, end: 4, text: '--b ' },
    ]);
    expect(r.text).toBe('RUN --a --b GO build');
  });

  it('collapses identical edits and rejects overlapping ones deterministically', () => {
    const edits = [
      { start: 0, end: 3, text: 'X' },
      { start: 0, end: 3, text: 'X' },
      { start: 2, end: 5, text: 'Y' },
      { start: 1, end: 1, text: 'Z' },
    ];
    const r = applyEdits('abcdef', edits);
    expect(r.text).toBe('Xdef');
    expect(r.rejected).toEqual([edits[2], edits[3]]);
    expect(applyEdits('abcdef', edits).text).toBe(r.text);
  });

  it('rejects edits outside the text', () => {
    expect(applyEdits('abc', [{ start: 2, end: 9, text: '' }]).rejected).toHaveLength(1);
  });
});

describe('shell reader', () => {
  const cmds = (s: string) =>
    parseShell(dockerfileShellText(s, 0, s.length, '\\')).map((c) => c.argv.map((w) => w.value));

  it('splits lists, pipes, groups and keeps quoted words whole', () => {
    expect(cmds(`a && b || c; d | e & (f) { g; }`)).toEqual([
      ['a'],
      ['b'],
      ['c'],
      ['d'],
      ['e'],
      ['f'],
      ['g'],
    ]);
    expect(cmds(`go build -ldflags "-s -w -X 'main.v=1'" -o /x .`)).toEqual([
      ['go', 'build', '-ldflags', "-s -w -X 'main.v=1'", '-o', '/x', '.'],
    ]);
    expect(cmds(`if [ -f go.mod ]; then go mod download; fi`)).toEqual([
      ['[', '-f', 'go.mod', ']'],
      ['go', 'mod', 'download'],
      [],
    ]);
  });

  it('drops redirections and comments, keeps substitutions verbatim', () => {
    expect(cmds(`go build 2>&1 >/dev/null # done\nrm -rf $(go env GOCACHE)`)).toEqual([
      ['go', 'build'],
      ['rm', '-rf', '$(go env GOCACHE)'],
    ]);
  });

  it('maps words back to the source across Dockerfile continuations', () => {
    const src = 'go build \\\n  -o /out/app .';
    const [c] = parseShell(dockerfileShellText(src, 0, src.length, '\\'));
    const o = c!.argv[3]!;
    expect(src.slice(o.start, o.end)).toBe('/out/app');
  });
});

/** Offsets, lines and the user's formatting conventions (line endings, keyword case). */

export class SourceText {
  readonly text: string;
  readonly eol: '\n' | '\r\n';
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Offset of a zero-based line/character position (as dockerfile-ast reports them). */
  offsetAt(pos: { line: number; character: number }): number {
    const start = this.lineStarts[pos.line];
    if (start === undefined) return this.text.length;
    return Math.min(start + pos.character, this.text.length);
  }

  /** One-based line number of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Offset where the one-based line starts. */
  lineStart(line: number): number {
    return this.lineStarts[line - 1] ?? this.text.length;
  }

  /** Offset just after the line break that ends the one-based line (or the end of the text). */
  lineEndIncludingBreak(line: number): number {
    return this.lineStarts[line] ?? this.text.length;
  }

  /** Leading whitespace of the one-based line. */
  indentOf(line: number): string {
    const start = this.lineStart(line);
    const m = /^[ \t]*/.exec(this.text.slice(start, start + 200));
    return m ? m[0] : '';
  }
}

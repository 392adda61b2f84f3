/** One row of a side-by-side diff: a line on the left, on the right, or both. */
export interface DiffRow {
  kind: 'same' | 'removed' | 'added' | 'changed';
  left?: { no: number; text: string };
  right?: { no: number; text: string };
}

export function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Side-by-side rows from a line-level longest-common-subsequence diff. Removed and added runs that meet
 * are paired into "changed" rows so the two columns line up. Dockerfiles are small; inputs beyond
 * `maxCells` fall back to one block of changes.
 */
export function sideBySide(before: string, after: string, maxCells = 4_000_000): DiffRow[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops: { op: '=' | '-' | '+'; ai?: number; bi?: number }[] = [];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    ops.push({ op: '=', ai: start, bi: start });
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  const tail: typeof ops = [];
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    tail.unshift({ op: '=', ai: endA, bi: endB });
  }
  const n = endA - start;
  const m = endB - start;
  if (n * m > maxCells) {
    for (let i = start; i < endA; i++) ops.push({ op: '-', ai: i });
    for (let j = start; j < endB; j++) ops.push({ op: '+', bi: j });
  } else {
    // lcs[i][j] = LCS length of a[start+i..endA) and b[start+j..endB)
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      const row = lcs[i]!;
      const below = lcs[i + 1]!;
      for (let j = m - 1; j >= 0; j--) {
        row[j] = a[start + i] === b[start + j] ? below[j + 1]! + 1 : Math.max(below[j]!, row[j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        ops.push({ op: '=', ai: start + i, bi: start + j });
        i++;
        j++;
      } else if (j < m && (i >= n || lcs[i + 1]![j]! < lcs[i]![j + 1]!)) {
        ops.push({ op: '+', bi: start + j });
        j++;
      } else {
        ops.push({ op: '-', ai: start + i });
        i++;
      }
    }
  }
  ops.push(...tail);

  const rows: DiffRow[] = [];
  let k = 0;
  while (k < ops.length) {
    const o = ops[k]!;
    if (o.op === '=') {
      rows.push({
        kind: 'same',
        left: { no: o.ai! + 1, text: a[o.ai!]! },
        right: { no: o.bi! + 1, text: b[o.bi!]! },
      });
      k++;
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    while (k < ops.length && ops[k]!.op !== '=') {
      const c = ops[k]!;
      if (c.op === '-') removed.push(c.ai!);
      else added.push(c.bi!);
      k++;
    }
    const pairs = Math.max(removed.length, added.length);
    for (let p = 0; p < pairs; p++) {
      const ai = removed[p];
      const bi = added[p];
      rows.push({
        kind: ai !== undefined && bi !== undefined ? 'changed' : ai !== undefined ? 'removed' : 'added',
        left: ai !== undefined ? { no: ai + 1, text: a[ai]! } : undefined,
        right: bi !== undefined ? { no: bi + 1, text: b[bi]! } : undefined,
      });
    }
  }
  return rows;
}

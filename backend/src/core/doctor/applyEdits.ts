/**
 * Fixes are data: a range of the current text and the text that replaces it. This is the one place they
 * are applied. Overlapping edits are resolved deterministically: edits are considered in the order given
 * (rule order, then finding order); identical edits collapse into one; an edit that overlaps one already
 * accepted is rejected and left for the next pass (the caller re-lints and asks again).
 */
export interface TextEdit {
  /** Offset of the first replaced character. */
  start: number;
  /** Offset after the last replaced character; equal to `start` for an insertion. */
  end: number;
  text: string;
}

export interface ApplyResult {
  text: string;
  applied: TextEdit[];
  rejected: TextEdit[];
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  const aIns = a.start === a.end;
  const bIns = b.start === b.end;
  if (aIns && bIns) return false;
  if (aIns) return b.start < a.start && a.start < b.end;
  if (bIns) return a.start < b.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): ApplyResult {
  const accepted: { edit: TextEdit; order: number }[] = [];
  const rejected: TextEdit[] = [];
  const seen = new Set<string>();
  edits.forEach((edit, order) => {
    if (edit.start < 0 || edit.end < edit.start || edit.end > text.length) {
      rejected.push(edit);
      return;
    }
    const key = `${edit.start}:${edit.end}:${edit.text}`;
    if (seen.has(key)) return;
    if (accepted.some((a) => overlaps(a.edit, edit))) {
      rejected.push(edit);
      return;
    }
    seen.add(key);
    accepted.push({ edit, order });
  });
  accepted.sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.order - b.order);
  let out = '';
  let cursor = 0;
  for (const { edit } of accepted) {
    out += text.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  out += text.slice(cursor);
  return { text: out, applied: accepted.map((a) => a.edit), rejected };
}

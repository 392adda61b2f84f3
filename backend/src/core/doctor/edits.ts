import type { TextEdit } from './applyEdits.js';
import type { CommandInfo, DockerfileModel, Instr, RunInstr } from './model.js';
import type { Word } from './shell.js';

/** Edit builders shared by the rules' fixes. They keep the file's line endings and indentation. */

/** Inserts whole lines after an instruction (after its last line). */
export function insertLinesAfter(model: DockerfileModel, instr: Instr, lines: string[]): TextEdit {
  const eol = model.source.eol;
  const indent = model.source.indentOf(instr.line);
  return { start: instr.end, end: instr.end, text: lines.map((l) => `${eol}${indent}${l}`).join('') };
}

/** Inserts whole lines before an instruction, with its indentation. */
export function insertLinesBefore(model: DockerfileModel, instr: Instr, lines: string[]): TextEdit {
  const eol = model.source.eol;
  const at = model.source.lineStart(instr.line);
  const indent = model.source.indentOf(instr.line);
  return { start: at, end: at, text: lines.map((l) => `${indent}${l}${eol}`).join('') };
}

/** Removes an instruction's lines (and the comment lines directly above it when `withComments`). */
export function deleteInstrLines(model: DockerfileModel, instr: Instr, fromLine = instr.line): TextEdit {
  return {
    start: model.source.lineStart(fromLine),
    end: model.source.lineEndIncludingBreak(instr.endLine),
    text: '',
  };
}

/** First line of the comment block directly above an instruction (the instruction's own line if none). */
export function attachedCommentStart(model: DockerfileModel, instr: Instr): number {
  let line = instr.line;
  while (line > 1) {
    const start = model.source.lineStart(line - 1);
    const text = model.source.text.slice(start, model.source.lineStart(line)).trim();
    if (!text.startsWith('#') || /^#\s*(escape|syntax|check)\s*=/i.test(text)) break;
    line--;
  }
  return line;
}

/** Text of lines [fromLine, instr.endLine] without the final line break. */
export function instrText(model: DockerfileModel, instr: Instr, fromLine = instr.line): string {
  return model.source.text.slice(model.source.lineStart(fromLine), instr.end);
}

/**
 * Adds a flag (e.g. `--mount=…`) to a RUN after its existing flags, on its own continuation line when the
 * RUN already lays its flags out that way.
 */
export function addRunFlag(model: DockerfileModel, run: RunInstr, flag: string): TextEdit {
  const first = run.flags[0];
  const last = run.flags[run.flags.length - 1];
  if (first && last) {
    const text = model.source.text;
    const firstEnd = model.source.offsetAt(first.getRange().end);
    const lastEnd = model.source.offsetAt(last.getRange().end);
    const esc = model.escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    const m = new RegExp(`^[ \\t]*${esc}[ \\t]*\\r?\\n([ \\t]*)`).exec(text.slice(firstEnd, firstEnd + 200));
    if (m) return { start: lastEnd, end: lastEnd, text: ` ${model.escape}${model.source.eol}${m[1]}${flag}` };
    return { start: lastEnd, end: lastEnd, text: ` ${flag}` };
  }
  return { start: run.flagInsert, end: run.flagInsert, text: `${flag} ` };
}

/** Inserts `NAME=value ` assignments right before a command word (after any existing prefix). */
export function prefixCommand(word: Word, assignments: string[]): TextEdit {
  return { start: word.start, end: word.start, text: `${assignments.join(' ')} ` };
}

export function replaceWord(word: { start: number; end: number }, text: string): TextEdit {
  return { start: word.start, end: word.end, text };
}

/** Removes one argument word together with the blank (or continuation) before it. */
export function removeWord(info: CommandInfo, word: Word): TextEdit | null {
  const words = info.cmd.words;
  const i = words.indexOf(word);
  if (i <= 0) return null;
  return { start: words[i - 1]!.end, end: word.end, text: '' };
}

/**
 * Removes a whole simple command from its list (`a && b && c` -> `a && c`). Returns null when removing it
 * would change what the remaining commands do (it is part of a pipe or an `||`).
 */
export function removeCommand(run: RunInstr, info: CommandInfo): TextEdit | null {
  const cmd = info.cmd;
  const joinable = (op: string) => op === '&&' || op === ';' || op === '\n';
  if (cmd.after.op === '||' || cmd.after.op === '|' || cmd.before.op === '||' || cmd.before.op === '|')
    return null;
  const siblings = run.commands.filter((c) => c.heredoc === info.heredoc);
  const prev = siblings.find(
    (c) => c.cmd.after.start === cmd.before.start && c.cmd !== cmd && cmd.before.op !== 'end',
  );
  if (prev && joinable(cmd.before.op) && prev.cmd.after.op === cmd.before.op) {
    return { start: prev.cmd.end, end: cmd.end, text: '' };
  }
  const next = siblings.find(
    (c) => c.cmd.before.start === cmd.after.start && c.cmd !== cmd && cmd.after.op !== 'end',
  );
  if (next && joinable(cmd.after.op)) {
    return { start: cmd.start, end: next.cmd.start, text: '' };
  }
  return { start: cmd.start, end: cmd.end, text: 'true' };
}

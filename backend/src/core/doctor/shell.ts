/**
 * Just enough of a POSIX shell reader to find the commands in a RUN instruction: words with their
 * unquoted values and their offsets in the Dockerfile, split into simple commands at `&&`, `||`, `;`,
 * `|`, `&`, newlines and grouping. It does not execute anything and gives up gracefully on constructs it
 * does not model (they end up as words of some command).
 */

/** A text with, for each character, the offset in the Dockerfile it came from. */
export interface MappedText {
  text: string;
  /** `map[i]` is the source offset of `text[i]`; `map[text.length]` is the source end offset. */
  map: number[];
}

export interface Word {
  /** Value after quote removal; `$…` expansions are kept verbatim. */
  value: string;
  /** Source offsets of the word as written (quotes included). */
  start: number;
  end: number;
  /** True when any part was quoted (so `value` is not subject to further splitting). */
  quoted: boolean;
}

export type Separator = '&&' | '||' | ';' | '|' | '&' | '\n' | '(' | ')' | '{' | '}' | 'end';

export interface SimpleCommand {
  /** Every word, leading `NAME=value` assignments included. */
  words: Word[];
  /** Leading assignments (`CGO_ENABLED=0 go build`). */
  assignments: { name: string; value: string; word: Word }[];
  /** The command and its arguments (after assignments and reserved words like `if`/`then`). */
  argv: Word[];
  /** Redirections (`>`, `>>`, `<`, …) with their target words. */
  redirects: { op: string; target: Word | null }[];
  /** Source offsets covering the words. */
  start: number;
  end: number;
  /** Separator before the command (or '(' / 'end' at the start) and after it. */
  before: { op: Separator; start: number; end: number };
  after: { op: Separator; start: number; end: number };
}

const RESERVED_PREFIX = new Set([
  'if',
  'then',
  'else',
  'elif',
  'do',
  'while',
  'until',
  '!',
  'time',
  'exec',
  'command',
  'nohup',
]);
const RESERVED_END = new Set(['fi', 'done', 'esac']);

/** An identity-mapped text (heredoc bodies, JSON strings). */
export function identityText(text: string, sourceStart: number): MappedText {
  const map = new Array<number>(text.length + 1);
  for (let i = 0; i <= text.length; i++) map[i] = sourceStart + i;
  return { text, map };
}

/**
 * The shell text of a shell-form RUN as the Dockerfile frontend hands it to `/bin/sh -c`: Dockerfile line
 * continuations (escape character, optional trailing blanks, line break) are removed, and so are comment
 * lines and empty lines inside a continued instruction.
 */
export function dockerfileShellText(source: string, start: number, end: number, escape: string): MappedText {
  let text = '';
  const map: number[] = [];
  let i = start;
  let lineStart = true;
  while (i < end) {
    if (lineStart && i > start) {
      // Inside a continuation: skip comment lines and blank lines.
      let j = i;
      while (j < end && (source[j] === ' ' || source[j] === '\t')) j++;
      if (source[j] === '#' || source[j] === '\n' || (source[j] === '\r' && source[j + 1] === '\n')) {
        while (j < end && source[j] !== '\n') j++;
        i = j + 1;
        continue;
      }
    }
    lineStart = false;
    const c = source[i]!;
    if (c === escape) {
      let j = i + 1;
      while (j < end && (source[j] === ' ' || source[j] === '\t')) j++;
      if (source[j] === '\r' && source[j + 1] === '\n') j++;
      if (j >= end || source[j] === '\n') {
        i = j + 1;
        lineStart = true;
        continue;
      }
    }
    text += c;
    map.push(i);
    i++;
  }
  map.push(end);
  return { text, map };
}

interface Token {
  kind: 'word' | 'op' | 'redirect';
  op?: Separator;
  word?: Word;
  redirect?: { op: string; target: Word | null };
  start: number;
  end: number;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/** Splits a mapped shell text into tokens. */
function tokenize(mt: MappedText): Token[] {
  const { text, map } = mt;
  const out: Token[] = [];
  let i = 0;
  const src = (k: number) => map[k] ?? map[map.length - 1]!;
  const pushOp = (op: Separator, len: number) => {
    out.push({ kind: 'op', op, start: src(i), end: src(i + len - 1) + 1 });
    i += len;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      pushOp('\n', 1);
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      pushOp(two, 2);
      continue;
    }
    if (two === ';;') {
      pushOp(';', 2);
      continue;
    }
    if (c === ';' || c === '|' || c === '&' || c === '(' || c === ')') {
      pushOp(c as Separator, 1);
      continue;
    }
    // Redirections: the operator and its target word belong to the command, not to its argv.
    const redir = /^(\d*)(>>|>&|<&|<<-?|<>|>\||>|<)/.exec(text.slice(i, i + 5));
    if (redir) {
      const at = src(i);
      i += redir[0].length;
      while (isBlank(text[i])) i++;
      const target = readWord();
      out.push({ kind: 'redirect', redirect: { op: redir[2]!, target }, start: at, end: target?.end ?? at });
      continue;
    }
    const w = readWord();
    if (w) {
      if (!w.quoted && (w.value === '{' || w.value === '}')) {
        out.push({ kind: 'op', op: w.value, start: w.start, end: w.end });
      } else {
        out.push({ kind: 'word', word: w, start: w.start, end: w.end });
      }
    } else {
      i++;
    }
  }
  return out;

  function readWord(): Word | null {
    const begin = i;
    let value = '';
    let quoted = false;
    while (i < text.length) {
      const c = text[i]!;
      if (
        isBlank(c) ||
        c === '\n' ||
        c === ';' ||
        c === '&' ||
        c === '|' ||
        c === '(' ||
        c === ')' ||
        c === '<' ||
        c === '>'
      ) {
        break;
      }
      if (c === '\\') {
        if (text[i + 1] === '\n') {
          i += 2;
          continue;
        }
        if (i + 1 < text.length) value += text[i + 1];
        i += 2;
        quoted = true;
        continue;
      }
      if (c === "'") {
        const close = text.indexOf("'", i + 1);
        const stop = close < 0 ? text.length : close;
        value += text.slice(i + 1, stop);
        i = stop + 1;
        quoted = true;
        continue;
      }
      if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
            if (text[i + 1] !== '\n') value += text[i + 1];
            i += 2;
            continue;
          }
          if (text[i] === '$' && text[i + 1] === '(') {
            const end = matchParen(i + 1);
            value += text.slice(i, end);
            i = end;
            continue;
          }
          value += text[i];
          i++;
        }
        i++;
        quoted = true;
        continue;
      }
      if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
        const end = text[i + 1] === '(' ? matchParen(i + 1) : matchBrace(i + 1);
        value += text.slice(i, end);
        i = end;
        continue;
      }
      if (c === '`') {
        const close = text.indexOf('`', i + 1);
        const stop = close < 0 ? text.length : close + 1;
        value += text.slice(i, stop);
        i = stop;
        continue;
      }
      value += c;
      i++;
    }
    if (i === begin) return null;
    return { value, start: src(begin), end: src(i - 1) + 1, quoted };
  }

  /** Index after the `)` matching the `(` at `open`. */
  function matchParen(open: number): number {
    let depth = 0;
    for (let k = open; k < text.length; k++) {
      if (text[k] === '(') depth++;
      else if (text[k] === ')') {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    return text.length;
  }

  function matchBrace(open: number): number {
    const close = text.indexOf('}', open);
    return close < 0 ? text.length : close + 1;
  }
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** The simple commands of a shell text, in order. */
export function parseShell(mt: MappedText): SimpleCommand[] {
  const tokens = tokenize(mt);
  const commands: SimpleCommand[] = [];
  const startOffset = mt.map[0] ?? 0;
  let before: SimpleCommand['before'] = { op: 'end', start: startOffset, end: startOffset };
  let words: Word[] = [];
  let redirects: SimpleCommand['redirects'] = [];
  const flush = (after: SimpleCommand['after']) => {
    if (words.length > 0) {
      const cmd = toCommand(words, before, after);
      if (cmd) commands.push({ ...cmd, redirects });
    }
    words = [];
    redirects = [];
    before = after;
  };
  for (const t of tokens) {
    if (t.kind === 'op') flush({ op: t.op!, start: t.start, end: t.end });
    else if (t.kind === 'redirect') redirects.push(t.redirect!);
    else words.push(t.word!);
  }
  const endOffset = mt.map[mt.text.length] ?? startOffset;
  flush({ op: 'end', start: endOffset, end: endOffset });
  return commands;
}

function toCommand(
  words: Word[],
  before: SimpleCommand['before'],
  after: SimpleCommand['after'],
): Omit<SimpleCommand, 'redirects'> | null {
  let k = 0;
  // Reserved words that start a compound command or prefix the real command.
  while (k < words.length && !words[k]!.quoted && RESERVED_PREFIX.has(words[k]!.value)) k++;
  if (k < words.length && !words[k]!.quoted && (words[k]!.value === 'for' || words[k]!.value === 'case')) {
    return null;
  }
  const assignments: SimpleCommand['assignments'] = [];
  while (k < words.length) {
    const w = words[k]!;
    const m = ASSIGNMENT.exec(w.value);
    if (!m) break;
    assignments.push({ name: m[1]!, value: w.value.slice(m[0].length), word: w });
    k++;
  }
  // `env A=B cmd` behaves like `A=B cmd`.
  if (k < words.length && words[k]!.value === 'env') {
    let j = k + 1;
    const extra: SimpleCommand['assignments'] = [];
    while (j < words.length) {
      const w = words[j]!;
      if (w.value.startsWith('-')) {
        j++;
        continue;
      }
      const m = ASSIGNMENT.exec(w.value);
      if (!m) break;
      extra.push({ name: m[1]!, value: w.value.slice(m[0].length), word: w });
      j++;
    }
    if (j < words.length) {
      assignments.push(...extra);
      k = j;
    }
  }
  let argv = words.slice(k);
  if (argv.length > 0 && !argv[0]!.quoted && RESERVED_END.has(argv[0]!.value)) argv = [];
  return {
    words,
    assignments,
    argv,
    start: words[0]!.start,
    end: words[words.length - 1]!.end,
    before,
    after,
  };
}

/** Shell-quotes a value for a generated command when it needs it. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./${}-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

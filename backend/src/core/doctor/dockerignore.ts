/**
 * `.dockerignore` matching as the builder does it (Go filepath.Match per path segment plus `**`, `!`
 * exceptions, last match wins, a match on a directory excludes what is below it), and the file the
 * missing-dockerignore fix writes.
 */

interface Pattern {
  negate: boolean;
  re: RegExp;
}

function segmentToRegex(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        out += `[${seg
          .slice(i + 1, close)
          .replace(/^\^/, '^')
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < seg.length) {
      out += seg[i + 1]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i++;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

export function parseDockerignore(text: string): Pattern[] {
  const out: Pattern[] = [];
  for (let line of text.split(/\r?\n/)) {
    line = line.trim();
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1).trim();
    }
    const clean = line
      .replace(/^\.?\/+/, '')
      .replace(/\/+$/, '')
      .split('/')
      .filter((s) => s !== '.')
      .join('/');
    if (clean === '') continue;
    const parts = clean.split('/').map((seg) => (seg === '**' ? '(?:.*)' : segmentToRegex(seg)));
    const body = parts
      .join('/')
      .replace(/\(\?:\.\*\)\//g, '(?:.*/)?')
      .replace(/\/\(\?:\.\*\)$/, '(?:/.*)?');
    out.push({ negate, re: new RegExp(`^${body}(?:/.*)?$`) });
  }
  return out;
}

/** True when the context-relative path (`.git`, `bin/app`) is excluded from the build context. */
export function isIgnored(patterns: Pattern[], path: string): boolean {
  let ignored = false;
  for (const p of patterns) if (p.re.test(path)) ignored = !p.negate;
  return ignored;
}

/**
 * What should stay out of a Go build context. `always`: checked even when the context's entries are not
 * known; `generic`: written into a new .dockerignore even when the context's entries are not known.
 * Others only when the context has them (a `bin/` may hold scripts the build runs).
 */
export const IGNORE_CANDIDATES: {
  pattern: string;
  path: string;
  why: string;
  always?: boolean;
  generic?: boolean;
}[] = [
  { pattern: '.git', path: '.git', why: 'VCS history', always: true, generic: true },
  { pattern: '.cache', path: '.cache', why: 'a local cache directory', generic: true },
  { pattern: '.gocache', path: '.gocache', why: 'a local Go build cache', generic: true },
  { pattern: '.gomodcache', path: '.gomodcache', why: 'a local Go module cache', generic: true },
  { pattern: 'bin', path: 'bin', why: 'local build output' },
  { pattern: '**/*.test', path: 'x.test', why: 'compiled test binaries', generic: true },
];

export function hasEntry(entries: readonly string[] | undefined, name: string): boolean | undefined {
  if (!entries) return undefined;
  return entries.some((e) => e.replace(/\/$/, '') === name);
}

/** POSIX path helpers for paths inside images (never the host's). */

/** Normalises an absolute path: collapses `//`, `.` and `..`, drops a trailing slash. */
export function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

/** Resolves `p` against the directory `cwd` (both image paths); absolute `p` wins. */
export function resolvePath(cwd: string, p: string): string {
  return normalizePath(p.startsWith('/') ? p : `${cwd}/${p}`);
}

/** True when `inner` is `outer` or lies below it. */
export function pathContains(outer: string, inner: string): boolean {
  const o = normalizePath(outer);
  const i = normalizePath(inner);
  return o === '/' || i === o || i.startsWith(`${o}/`);
}

export function basename(p: string): string {
  const n = normalizePath(p);
  return n.slice(n.lastIndexOf('/') + 1);
}

export function dirname(p: string): string {
  const n = normalizePath(p);
  const i = n.lastIndexOf('/');
  return i <= 0 ? '/' : n.slice(0, i);
}

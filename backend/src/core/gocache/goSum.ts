/** One go.sum line: module, version (with `/go.mod` suffix for go.mod hashes) and the `h1:` hash. */
export type GoSumLine = [module: string, version: string, hash: string];

export const MAX_GO_SUM_BYTES = 16 * 1024 * 1024;

/** Parses go.sum text; malformed lines are skipped (Go would reject the file, we only compare). */
export function parseGoSum(text: string): GoSumLine[] {
  const out: GoSumLine[] = [];
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length !== 3) continue;
    const [mod, ver, hash] = f as [string, string, string];
    if (!hash.startsWith('h1:') || !ver.startsWith('v')) continue;
    out.push([mod, ver, hash]);
  }
  return out;
}

/** True for a go.sum worth reading: not inside an extracted module (`…@version/…`). */
export function isProjectGoSum(path: string): boolean {
  return (path === 'go.sum' || path.endsWith('/go.sum')) && !path.includes('@');
}

/** The `h1:` hash a `.ziphash` file holds, or undefined when it holds something else. */
export function parseZipHash(text: string): string | undefined {
  const t = text.trim();
  return /^h1:[A-Za-z0-9+/=]{20,}$/.test(t) ? t : undefined;
}

/**
 * Go build cache layout (GOCACHE): 256 directories `00`..`ff` holding `<hex>-a` (action) and `<hex>-d`
 * (output) files whose names start with their directory's name, plus `README`, `trim.txt`,
 * `testexpire.txt` and `fuzz/`.
 */

const ENTRY_RE = /^[0-9a-f]{64}-[ad]$/;
const SHARD_RE = /^[0-9a-f]{2}$/;

/**
 * When `path` (a normalised relative tar path) is a build cache entry `<root>/<xx>/<xx…>-a|-d`, returns
 * the root's relative path ('' for the top); otherwise undefined.
 */
export function buildCacheRootOf(path: string): string | undefined {
  const s1 = path.lastIndexOf('/');
  if (s1 < 2) return undefined;
  const file = path.slice(s1 + 1);
  if (file.length !== 66 || !ENTRY_RE.test(file)) return undefined;
  const s2 = path.lastIndexOf('/', s1 - 1);
  const shard = path.slice(s2 + 1, s1);
  if (shard !== file.slice(0, 2)) return undefined;
  return s2 < 0 ? '' : path.slice(0, s2);
}

/** Children of a build cache root that belong to the cache (the rest is someone else's). */
export function isBuildCacheChild(name: string): boolean {
  return SHARD_RE.test(name) || name === 'fuzz';
}

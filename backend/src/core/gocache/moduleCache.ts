/**
 * Go module cache layout (GOMODCACHE): `cache/download/<escaped path>/@v/<version>.{info,mod,zip,ziphash,
 * lock,partial}`, `@v/list`, `cache/download/sumdb/…`, `cache/vcs/<hash>` and extracted trees
 * `<escaped path>@<version>/…`. Paths and versions escape each capital letter as `!` + lowercase.
 */

const DOWNLOAD_EXTS = new Set(['info', 'mod', 'zip', 'ziphash', 'lock', 'partial']);
const VERSION_RE = /^v[0-9]+(\.[0-9]+){0,2}(-[0-9a-z!.-]+)?(\+[0-9a-z!.-]+)?$/;

/** `example.com/!libb` -> `example.com/Libb`; undefined when the text is not a valid escaped form. */
export function unescapeModulePath(escaped: string): string | undefined {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i]!;
    if (c === '!') {
      const n = escaped[i + 1];
      if (n === undefined || n < 'a' || n > 'z') return undefined;
      out += n.toUpperCase();
      i++;
    } else if (c >= 'A' && c <= 'Z') {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

/** `example.com/Libb` -> `example.com/!libb`. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

export function isEscapedVersion(v: string): boolean {
  return VERSION_RE.test(v);
}

export interface DownloadFile {
  /** Absolute path of the module cache root (the directory holding `cache/`), `/` for the top. */
  root: string;
  /** Unescaped module path, undefined for `sumdb/…` and malformed names. */
  module?: string;
  /** Unescaped version, undefined for `list`, `list.lock` and temporary files. */
  version?: string;
  ext?: string;
}

/**
 * Recognises `<root>/cache/download/<escaped path>/@v/<file>` where `<file>` is `list` or
 * `<version>.<ext>` with a known extension: the structural signature of a module cache.
 * `path` is a normalised relative tar path. Returns undefined for anything else.
 */
export function parseDownloadPath(path: string): DownloadFile | undefined {
  let idx: number;
  if (path.startsWith('cache/download/')) idx = 0;
  else {
    const i = path.indexOf('/cache/download/');
    if (i < 0) return undefined;
    idx = i + 1;
  }
  const rest = path.slice(idx + 'cache/download/'.length);
  const v = rest.lastIndexOf('/@v/');
  if (v <= 0) return undefined;
  const file = rest.slice(v + 4);
  if (file.includes('/')) return undefined;
  const escMod = rest.slice(0, v);
  const root = `/${path.slice(0, Math.max(0, idx - 1))}`;
  if (file === 'list' || file === 'list.lock') {
    const module = unescapeModulePath(escMod);
    return module && !escMod.startsWith('sumdb/') ? { root, module } : undefined;
  }
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = file.slice(dot + 1);
  const escVer = file.slice(0, dot);
  if (!DOWNLOAD_EXTS.has(ext) || !isEscapedVersion(escVer)) return undefined;
  const module = unescapeModulePath(escMod);
  const version = unescapeModulePath(escVer);
  if (!module || !version || escMod.startsWith('sumdb/')) return undefined;
  return { root, module, version, ext };
}

/**
 * For a directory path relative to a module cache root (outside `cache/`) whose last component holds
 * `@`: the extracted module tree `<escaped path>@<escaped version>`. Undefined when malformed.
 */
export function parseExtractedDir(relPath: string): { module: string; version: string } | undefined {
  const slash = relPath.lastIndexOf('/');
  const name = relPath.slice(slash + 1);
  const at = name.indexOf('@');
  if (at <= 0) return undefined;
  const escMod = `${relPath.slice(0, slash + 1)}${name.slice(0, at)}`;
  const escVer = name.slice(at + 1);
  if (!isEscapedVersion(escVer)) return undefined;
  const module = unescapeModulePath(escMod);
  const version = unescapeModulePath(escVer);
  return module && version ? { module, version } : undefined;
}

/** For a file name inside a `@v` directory: its unescaped version when it belongs to one. */
export function versionOfDownloadFile(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = name.slice(dot + 1);
  const escVer = name.slice(0, dot);
  if (!DOWNLOAD_EXTS.has(ext) || !isEscapedVersion(escVer)) return undefined;
  return unescapeModulePath(escVer);
}

export function moduleKey(module: string, version: string): string {
  return `${module}@${version}`;
}

/**
 * The module a cache unit (path relative to the module cache root) belongs to: an extracted tree
 * `<path>@<version>` or a download file `cache/download/<path>/@v/<version>.<ext>`.
 */
export function moduleOfUnit(rel: string): { module: string; version: string } | undefined {
  if (rel.startsWith('cache/')) {
    if (!rel.startsWith('cache/download/') || rel.startsWith('cache/download/sumdb/')) return undefined;
    const d = parseDownloadPath(rel);
    return d?.module && d.version ? { module: d.module, version: d.version } : undefined;
  }
  return rel.includes('@') ? parseExtractedDir(rel) : undefined;
}

import { normalizePath } from './paths.js';

/**
 * Environment of a build step as far as the Dockerfile tells: ENV and ARG values, where `null` means
 * "declared, value unknown" (an ARG without default). Names that are absent are unset.
 */
export type EnvMap = ReadonlyMap<string, string | null>;

/** Where Go keeps its caches for a given environment and user. Undefined when it cannot be known. */
export interface GoPaths {
  home?: string;
  gopath?: string;
  gomodcache?: string;
  gocache?: string;
}

export function isRootUser(user: string | undefined): boolean {
  if (user === undefined || user === '') return true;
  const name = user.split(':')[0]!;
  return name === 'root' || name === '0';
}

function known(env: EnvMap, name: string): string | undefined {
  const v = env.get(name);
  return v === null || v === undefined || v === '' ? undefined : v;
}

export function goPaths(env: EnvMap, user: string | undefined): GoPaths {
  const homeVar = env.get('HOME');
  const home =
    homeVar === null ? undefined : homeVar ? normalizePath(homeVar) : isRootUser(user) ? '/root' : undefined;
  const gopathVar = env.get('GOPATH');
  const gopath =
    gopathVar === null
      ? undefined
      : gopathVar
        ? normalizePath(gopathVar.split(':')[0]!)
        : home
          ? `${home === '/' ? '' : home}/go`
          : undefined;
  const modVar = env.get('GOMODCACHE');
  const gomodcache =
    modVar === null ? undefined : modVar ? normalizePath(modVar) : gopath ? `${gopath}/pkg/mod` : undefined;
  const cacheVar = env.get('GOCACHE');
  const xdg = known(env, 'XDG_CACHE_HOME');
  let gocache: string | undefined;
  if (cacheVar === null || cacheVar === 'off') gocache = undefined;
  else if (cacheVar) gocache = normalizePath(cacheVar);
  else if (xdg) gocache = normalizePath(`${xdg}/go-build`);
  else if (home) gocache = `${home === '/' ? '' : home}/.cache/go-build`;
  return { home, gopath, gomodcache, gocache };
}

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and `$(go env NAME)`.
 * Unset names expand to the empty string; a name whose value is unknown (or any other command
 * substitution) makes the whole result unknown (`null`).
 */
export function expandVars(s: string, env: EnvMap, go?: GoPaths): string | null {
  let out = '';
  let unknown = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '(') {
      const close = s.indexOf(')', i);
      const inner = s.slice(i + 2, close < 0 ? s.length : close).trim();
      const m = /^go\s+env\s+([A-Z0-9_]+)$/.exec(inner);
      const v = m ? goEnvValue(m[1]!, env, go) : undefined;
      if (v === undefined) unknown = true;
      else out += v;
      i = close < 0 ? s.length : close + 1;
      continue;
    }
    if (next === '{') {
      const close = s.indexOf('}', i);
      const body = s.slice(i + 2, close < 0 ? s.length : close);
      i = close < 0 ? s.length : close + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(body);
      if (!m) {
        unknown = true;
        continue;
      }
      const [, name, op, word] = m;
      const v = lookup(name!);
      if (v === null) {
        unknown = true;
        continue;
      }
      const isSet = v !== undefined;
      const isNonEmpty = isSet && v !== '';
      if (op === ':-') out += isNonEmpty ? v : (word ?? '');
      else if (op === '-') out += isSet ? v : (word ?? '');
      else if (op === ':+') out += isNonEmpty ? (word ?? '') : '';
      else if (op === '+') out += isSet ? (word ?? '') : '';
      else out += v ?? '';
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1));
    if (!m) {
      out += c;
      i++;
      continue;
    }
    const v = lookup(m[0]);
    if (v === null) unknown = true;
    else out += v ?? '';
    i += 1 + m[0].length;
  }
  return unknown ? null : out;

  // The engine sets HOME for every step; the Dockerfile rarely does.
  function lookup(name: string): string | null | undefined {
    const v = env.get(name);
    return v === undefined && name === 'HOME' && go?.home ? go.home : v;
  }
}

function goEnvValue(name: string, env: EnvMap, go: GoPaths | undefined): string | undefined {
  if (name === 'GOMODCACHE') return go?.gomodcache;
  if (name === 'GOCACHE') return go?.gocache;
  if (name === 'GOPATH') return go?.gopath;
  const v = env.get(name);
  return v === null ? undefined : (v ?? '');
}

/** True when the string contains a variable reference. */
export function hasVars(s: string): boolean {
  return /\$[{(A-Za-z_]/.test(s);
}

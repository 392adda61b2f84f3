/**
 * Go environment settings in an image config that weaken module verification: `GOSUMDB=off`,
 * `GOFLAGS=-insecure`, `GOINSECURE`, plain-http proxies, and `GONOSUMDB` / `GOPRIVATE` /
 * `GONOSUMCHECK` patterns wider than a private prefix.
 */

export interface InsecureEnv {
  /** `NAME=value` entries. */
  env: string[];
  reasons: string[];
  /** True when verification is off for every (or every public) module, not just a private prefix. */
  severe: boolean;
}

const PUBLIC_HOSTS = new Set([
  'github.com',
  'gitlab.com',
  'bitbucket.org',
  'golang.org',
  'google.golang.org',
  'gopkg.in',
  'go.googlesource.com',
  'cloud.google.com',
  'k8s.io',
  'sigs.k8s.io',
  'go.uber.org',
  'go.opentelemetry.io',
]);

/** A GOPRIVATE-style pattern covering far more than one organisation's modules. */
export function isWidePattern(pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (p === '') return false;
  if (!/^[a-z0-9*?[\]._~/-]+$/.test(p)) return true; // not a path glob at all (e.g. "1", "true")
  const first = p.split('/')[0]!;
  const host = first.replace(/^(\*\.)+/, '').replace(/^\*/, '');
  if (host === '' || !host.includes('.') || /[*?[]/.test(host)) return true;
  return !p.includes('/') && PUBLIC_HOSTS.has(host) && host === first;
}

export function insecureGoEnv(env: Map<string, string>): InsecureEnv | undefined {
  const out: InsecureEnv = { env: [], reasons: [], severe: false };
  const flag = (name: string, reason: string, severe: boolean) => {
    out.env.push(`${name}=${env.get(name)}`);
    out.reasons.push(reason);
    out.severe ||= severe;
  };
  const sumdb = env.get('GOSUMDB');
  if (sumdb !== undefined && sumdb.trim().toLowerCase() === 'off') {
    flag('GOSUMDB', 'the checksum database is off', true);
  }
  const goflags = env.get('GOFLAGS');
  if (goflags && goflags.split(/\s+/).some((t) => t === '-insecure' || t.startsWith('-insecure='))) {
    flag('GOFLAGS', '-insecure allows fetching over plain http without verification', true);
  }
  const goinsecure = env.get('GOINSECURE');
  if (goinsecure && goinsecure.trim() !== '') {
    const wide = goinsecure.split(',').some(isWidePattern);
    flag(
      'GOINSECURE',
      wide ? 'every module may be fetched insecurely' : 'some modules may be fetched insecurely',
      wide,
    );
  }
  for (const name of ['GONOSUMDB', 'GOPRIVATE', 'GONOSUMCHECK']) {
    const v = env.get(name);
    if (v && v.split(',').some(isWidePattern)) {
      flag(name, `${name} skips checksum verification for far more than private modules`, true);
    }
  }
  const proxy = env.get('GOPROXY');
  if (proxy && proxy.split(/[,|]/).some((p) => p.trim().toLowerCase().startsWith('http://'))) {
    flag('GOPROXY', 'a module proxy is reached over plain http', false);
  }
  return out.env.length > 0 ? out : undefined;
}

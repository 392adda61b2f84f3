import { posix } from 'node:path';

/** Where the Go toolchain in the image would put its caches, from the config's Env and User. */
export interface ActiveGoPaths {
  gomodcache: string;
  gocache: string;
}

export function activeGoPaths(env: Map<string, string>, user?: string): ActiveGoPaths {
  const rootUser =
    !user || user === 'root' || user === '0' || user.startsWith('0:') || user.startsWith('root:');
  const home = env.get('HOME') || (rootUser ? '/root' : '/');
  const gopath = (env.get('GOPATH') || posix.join(home, 'go')).split(':')[0]!;
  const gomodcache = env.get('GOMODCACHE') || posix.join(gopath, 'pkg', 'mod');
  const gocache =
    env.get('GOCACHE') || posix.join(env.get('XDG_CACHE_HOME') || posix.join(home, '.cache'), 'go-build');
  return { gomodcache: posix.normalize(gomodcache), gocache: posix.normalize(gocache) };
}

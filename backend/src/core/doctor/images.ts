/** What a base image name tells about the image: Go toolchain, C library, user, default environment. */

export type Libc = 'none' | 'musl' | 'glibc' | 'unknown';

export interface ImageRef {
  /** Name without tag or digest, e.g. `golang`, `gcr.io/distroless/static-debian12`. */
  name: string;
  tag?: string;
  digest?: string;
}

export interface ImageFacts {
  ref: ImageRef;
  scratch: boolean;
  /** A Go toolchain image (official golang, or a local image that declares GOLANG_VERSION). */
  toolchain: boolean;
  libc: Libc;
  /** A C compiler is present, so cgo is on by default. */
  gcc: boolean;
  /** The image's own environment as far as known. */
  env: Map<string, string>;
  /** True when `env` came from the local image (authoritative) rather than from name-based defaults. */
  envFromLocal: boolean;
  user?: string;
  goVersion?: string;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const GOLANG_PATH = `/go/bin:/usr/local/go/bin:${DEFAULT_PATH}`;

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest.toLowerCase(), ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatImageRef(r: ImageRef): string {
  return `${r.name}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Last path component of the repository (`golang` for `docker.io/library/golang`). */
export function shortName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

export function isGolangName(name: string): boolean {
  return shortName(name) === 'golang';
}

/** `1.22.5` from tags like `1.22.5`, `1.22.5-bookworm`, `1.23rc1-alpine`; the version part of a tag. */
export function tagVersion(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  const m = /^(\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?)(?:-|$)/.exec(tag);
  return m ? m[1] : undefined;
}

/** A tag that names an exact Go release (patch version or a pre-release). */
export function isExactGoTag(tag: string | undefined): boolean {
  const v = tagVersion(tag);
  return !!v && (/^\d+\.\d+\.\d+$/.test(v) || /(rc|beta)\d+$/.test(v));
}

export function imageLibc(ref: ImageRef): Libc {
  const name = ref.name;
  const short = shortName(name);
  const tag = (ref.tag ?? '').toLowerCase();
  if (name === 'scratch') return 'none';
  if (/distroless\/static/.test(name) || /chainguard\/static/.test(name)) return 'none';
  if (/distroless\/(base|cc|java|python|nodejs)/.test(name)) return 'glibc';
  if (short === 'alpine' || tag.includes('alpine')) return 'musl';
  if (short === 'busybox') return tag.includes('musl') ? 'musl' : tag.includes('glibc') ? 'glibc' : 'unknown';
  if (
    [
      'debian',
      'ubuntu',
      'fedora',
      'centos',
      'rockylinux',
      'almalinux',
      'amazonlinux',
      'buildpack-deps',
      'golang',
    ].includes(short) ||
    /^ubi\d*(-minimal|-micro)?$/.test(short)
  ) {
    return 'glibc';
  }
  return 'unknown';
}

export function envListToMap(list: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

export function imageFacts(image: string | null, localEnv?: readonly string[]): ImageFacts {
  if (image === null) {
    return {
      ref: { name: '' },
      scratch: false,
      toolchain: false,
      libc: 'unknown',
      gcc: false,
      env: new Map(),
      envFromLocal: false,
    };
  }
  const ref = parseImageRef(image);
  const golang = isGolangName(ref.name);
  const local = localEnv ? envListToMap(localEnv) : undefined;
  const env = new Map<string, string>();
  if (local) {
    for (const [k, v] of local) env.set(k, v);
  } else if (golang) {
    env.set('GOPATH', '/go');
    env.set('PATH', GOLANG_PATH);
    const v = tagVersion(ref.tag);
    if (v && isExactGoTag(ref.tag)) env.set('GOLANG_VERSION', v);
  }
  const libc = imageLibc(ref);
  const distrolessNonroot = /distroless\//.test(ref.name) && (ref.tag ?? '').includes('nonroot');
  const goVersion = env.get('GOLANG_VERSION');
  return {
    ref,
    scratch: ref.name === 'scratch',
    toolchain: golang || !!goVersion,
    libc,
    gcc: golang && libc === 'glibc',
    env,
    envFromLocal: !!local,
    ...(distrolessNonroot ? { user: '65532' } : {}),
    ...(goVersion ? { goVersion } : {}),
  };
}

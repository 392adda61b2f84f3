import { LensError } from '../errors.js';

/**
 * Locating one image inside a `docker save` archive: the legacy `manifest.json` (Docker's format, also
 * written next to the OCI layout since Docker 25) or the OCI layout's `index.json`, whose entries may
 * be nested indexes (the containerd image store writes index -> index -> platform manifests +
 * attestation manifests).
 */

export interface ResolvedImage {
  /** Archive entry name of the config JSON. */
  configName: string;
  /** Archive entry names of the layers, bottom first (order from the manifest, never from the archive). */
  layerNames: string[];
  repoTags: string[];
}

/** Reads JSON archive entries already collected by the reader. */
export type JsonLookup = (name: string) => unknown;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

export function blobName(digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[a-f0-9]+$/.test(hex)) {
    throw new LensError('bad-archive', `image archive names an invalid digest "${digest.slice(0, 80)}"`);
  }
  return `blobs/${alg}/${hex}`;
}

/** `blobs/sha256/<hex>` -> `sha256:<hex>`; undefined for other names. */
export function digestOfName(name: string): string | undefined {
  const m = /^blobs\/([a-z0-9]+)\/([a-f0-9]{32,})$/.exec(name);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

export function resolveImage(
  has: (name: string) => boolean,
  json: JsonLookup,
  wantedRef?: string,
): ResolvedImage {
  if (has('manifest.json')) return fromLegacy(json('manifest.json'), wantedRef);
  if (has('index.json')) return fromOci(has, json, wantedRef);
  throw new LensError('bad-archive', 'not an image archive: it has neither manifest.json nor index.json');
}

interface LegacyEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

function fromLegacy(doc: unknown, wantedRef?: string): ResolvedImage {
  if (!Array.isArray(doc) || doc.length === 0) {
    throw new LensError('bad-archive', 'image archive has an empty or malformed manifest.json');
  }
  const entries = doc as LegacyEntry[];
  const tagsOf = (e: LegacyEntry) => (Array.isArray(e.RepoTags) ? e.RepoTags.filter(isString) : []);
  const chosen =
    (wantedRef && entries.find((e) => tagsOf(e).some((t) => sameRef(t, wantedRef)))) || entries[0]!;
  if (typeof chosen.Config !== 'string' || !Array.isArray(chosen.Layers) || !chosen.Layers.every(isString)) {
    throw new LensError('bad-archive', 'image archive has a malformed manifest.json entry');
  }
  return { configName: chosen.Config, layerNames: chosen.Layers as string[], repoTags: tagsOf(chosen) };
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

function fromOci(has: (name: string) => boolean, json: JsonLookup, wantedRef?: string): ResolvedImage {
  const index = json('index.json') as { manifests?: Descriptor[] } | undefined;
  const top = Array.isArray(index?.manifests) ? index.manifests : [];
  if (top.length === 0) throw new LensError('bad-archive', 'image archive has an empty index.json');
  const named = (d: Descriptor) => {
    const n =
      d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
    return n ? [shortRef(n)] : [];
  };
  const ordered = wantedRef
    ? [...top.filter((d) => named(d).some((n) => sameRef(n, wantedRef))), ...top]
    : top;
  for (const d of ordered) {
    const m = pickManifest(d, has, json, 0);
    if (m) return { ...m, repoTags: named(d) };
  }
  throw new LensError('bad-archive', 'image archive holds no image manifest for this platform');
}

function pickManifest(
  d: Descriptor,
  has: (name: string) => boolean,
  json: JsonLookup,
  depth: number,
): Omit<ResolvedImage, 'repoTags'> | undefined {
  if (depth > 4 || typeof d.digest !== 'string') return undefined;
  const name = blobName(d.digest);
  if (!has(name)) return undefined;
  const doc = json(name) as {
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  if (!doc || typeof doc !== 'object') return undefined;
  if (Array.isArray(doc.manifests) || (doc.mediaType && INDEX_TYPES.has(doc.mediaType))) {
    const children = (doc.manifests ?? []).filter((c) => !isAttestation(c));
    const arch = hostArch();
    const ranked = [
      ...children.filter((c) => c.platform?.os === 'linux' && c.platform.architecture === arch),
      ...children.filter((c) => !c.platform || c.platform.os === 'linux'),
      ...children,
    ];
    for (const c of ranked) {
      const m = pickManifest(c, has, json, depth + 1);
      if (m) return m;
    }
    return undefined;
  }
  if (!doc.config?.digest || !Array.isArray(doc.layers)) return undefined;
  return {
    configName: blobName(doc.config.digest),
    layerNames: doc.layers.map((l) => {
      if (typeof l.digest !== 'string')
        throw new LensError('bad-archive', 'image manifest has a layer without digest');
      return blobName(l.digest);
    }),
  };
}

function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

function hostArch(): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
  };
  return map[process.arch] ?? process.arch;
}

/** `docker.io/library/x:1` -> `x:1`, `docker.io/me/x:1` -> `me/x:1`. */
export function shortRef(ref: string): string {
  return ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

function sameRef(a: string, b: string): boolean {
  const norm = (r: string) => {
    const s = shortRef(r);
    return /:[^/]+$/.test(s) || s.includes('@') ? s : `${s}:latest`;
  };
  return norm(a) === norm(b);
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

/** Synthetic layer and image archives for the analysis tests, built with tar-stream and zlib. */

export interface TEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  /** A file of this many bytes (zero-filled) instead of `content`. */
  size?: number;
  linkname?: string;
}

export async function tarOf(entries: TEntry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    p.on('end', res);
    p.on('error', rej);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body =
      type === 'file'
        ? e.content !== undefined
          ? Buffer.from(e.content)
          : Buffer.alloc(e.size ?? 0)
        : undefined;
    const header = {
      name: e.name,
      type,
      linkname: e.linkname,
      size: body?.length ?? 0,
      mode: type === 'directory' ? 0o755 : 0o644,
    };
    await new Promise<void>((res, rej) => {
      const cb = (err?: Error | null) => (err ? rej(err) : res());
      if (body) p.entry(header, body, cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const BLOCK = 512;

/** A tar header written by hand (for GNU long names and names tar-stream refuses to write). */
export function rawHeader(opts: {
  name: string;
  typeflag: string;
  size: number;
  linkname?: string;
  gnu?: boolean;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(opts.name.slice(0, 100), 0, 'utf8');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${opts.size.toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(opts.typeflag, 156);
  if (opts.linkname) b.write(opts.linkname.slice(0, 100), 157);
  if (opts.gnu) b.write('ustar  \0', 257, 'latin1');
  else {
    b.write('ustar\0', 257, 'latin1');
    b.write('00', 263);
  }
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

function padded(body: Buffer): Buffer {
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  return Buffer.concat([body, Buffer.alloc(pad)]);
}

/** A raw tar: GNU long names ('L') for names over 100 bytes, any name as given (even hostile ones). */
export function rawTar(
  entries: { name: string; content?: string; typeflag?: string; linkname?: string }[],
): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    let name = e.name;
    if (Buffer.byteLength(name) > 100) {
      const long = Buffer.from(`${name}\0`);
      parts.push(
        rawHeader({ name: '././@LongLink', typeflag: 'L', size: long.length, gnu: true }),
        padded(long),
      );
      name = name.slice(0, 100);
    }
    const body = Buffer.from(e.content ?? '');
    parts.push(
      rawHeader({ name, typeflag: e.typeflag ?? '0', size: body.length, linkname: e.linkname, gnu: true }),
    );
    parts.push(padded(body));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export interface ImageSpec {
  /** Uncompressed layer tars, bottom first. */
  layers: Buffer[];
  history?: { created_by: string; empty_layer?: boolean }[];
  env?: string[];
  tag?: string;
}

export function configOf(spec: ImageSpec): Buffer {
  const history =
    spec.history ?? spec.layers.map((_, i) => ({ created_by: `RUN /bin/sh -c step${i} # buildkit` }));
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: spec.env ?? ['PATH=/usr/bin:/bin'] },
      history,
      rootfs: { type: 'layers', diff_ids: spec.layers.map(sha256) },
    }),
  );
}

/**
 * What `docker save` writes on the overlay2 store: plain layer blobs, config, manifest.json with
 * the layer order, plus index.json. Blobs in digest order (not layer order).
 */
export async function legacyArchive(spec: ImageSpec): Promise<Buffer> {
  const config = configOf(spec);
  const blobs = new Map<string, Buffer>();
  blobs.set(sha256(config), config);
  for (const l of spec.layers) blobs.set(sha256(l), l);
  const name = (d: string) => `blobs/sha256/${d.slice(7)}`;
  const manifest = [
    {
      Config: name(sha256(config)),
      RepoTags: spec.tag ? [spec.tag] : [],
      Layers: spec.layers.map((l) => name(sha256(l))),
    },
  ];
  const entries: TEntry[] = [
    { name: 'blobs', type: 'directory' },
    { name: 'blobs/sha256', type: 'directory' },
    ...[...blobs.keys()].sort().map((d) => ({ name: name(d), content: blobs.get(d)! })),
    { name: 'manifest.json', content: JSON.stringify(manifest) },
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
  ];
  return tarOf(entries);
}

/**
 * What the containerd image store writes: gzip layer blobs, index.json -> index -> (platform
 * manifest + attestation manifest), blobs sorted by digest before index.json, and no manifest.json.
 */
export async function ociArchive(
  spec: ImageSpec & { compress?: (b: Buffer) => Buffer; withLegacyManifest?: boolean; flatIndex?: boolean },
): Promise<Buffer> {
  const compress = spec.compress ?? ((b: Buffer) => gzipSync(b));
  const config = configOf(spec);
  const blobs = new Map<string, Buffer>();
  const add = (b: Buffer) => {
    const d = sha256(b);
    blobs.set(d, b);
    return d;
  };
  const layerBlobs = spec.layers.map(compress);
  const layerDigests = layerBlobs.map(add);
  const configDigest = add(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: layerDigests.map((d, i) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: d,
        size: layerBlobs[i]!.length,
      })),
    }),
  );
  const manifestDigest = add(manifest);
  // An attestation manifest whose "layer" is an in-toto JSON document.
  const statement = Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicate: {} }),
  );
  const attConfig = Buffer.from(
    JSON.stringify({ architecture: 'unknown', os: 'unknown', rootfs: { diff_ids: [sha256(statement)] } }),
  );
  const att = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: add(attConfig),
        size: attConfig.length,
      },
      layers: [{ mediaType: 'application/vnd.in-toto+json', digest: add(statement), size: statement.length }],
    }),
  );
  const attDigest = add(att);
  const inner = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: attDigest,
          size: att.length,
          annotations: {
            'vnd.docker.reference.type': 'attestation-manifest',
            'vnd.docker.reference.digest': manifestDigest,
          },
          platform: { architecture: 'unknown', os: 'unknown' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          platform: { architecture: hostArch(), os: 'linux' },
        },
      ],
    }),
  );
  const innerDigest = add(inner);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      spec.flatIndex
        ? {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: manifestDigest,
            size: manifest.length,
          }
        : {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            digest: innerDigest,
            size: inner.length,
            annotations: spec.tag ? { 'io.containerd.image.name': `docker.io/library/${spec.tag}` } : {},
          },
    ],
  };
  const name = (d: string) => `blobs/sha256/${d.slice(7)}`;
  const entries: TEntry[] = [
    { name: 'blobs', type: 'directory' },
    { name: 'blobs/sha256', type: 'directory' },
    ...[...blobs.keys()].sort().map((d) => ({ name: name(d), content: blobs.get(d)! })),
    { name: 'index.json', content: JSON.stringify(index) },
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
  ];
  if (spec.withLegacyManifest) {
    entries.push({
      name: 'manifest.json',
      content: JSON.stringify([
        { Config: name(configDigest), RepoTags: spec.tag ? [spec.tag] : [], Layers: layerDigests.map(name) },
      ]),
    });
  }
  return tarOf(entries);
}

function hostArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

// ---------------------------------------------------------------------------------------------
// Go cache content

export interface FakeModule {
  path: string;
  version: string;
  /** Bytes of the extracted tree's one source file. */
  srcBytes?: number;
  zipBytes?: number;
  zipHash?: string;
}

export function escapePath(p: string): string {
  return p.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** Module cache entries under `root` (no leading slash), download files plus extracted trees. */
export function moduleCacheEntries(root: string, modules: FakeModule[]): TEntry[] {
  const out: TEntry[] = [];
  for (const m of modules) {
    const esc = escapePath(m.path);
    const ver = escapePath(m.version);
    const dl = `${root}/cache/download/${esc}/@v`;
    out.push(
      { name: `${dl}/${ver}.info`, content: JSON.stringify({ Version: m.version }) },
      { name: `${dl}/${ver}.mod`, content: `module ${m.path}\n` },
      { name: `${dl}/${ver}.zip`, size: m.zipBytes ?? 1000 },
      { name: `${dl}/${ver}.ziphash`, content: `${m.zipHash ?? fakeHash(m.path + m.version)}\n` },
      { name: `${dl}/list`, content: `${m.version}\n` },
      { name: `${root}/${esc}@${ver}/x.go`, size: m.srcBytes ?? 2000 },
      { name: `${root}/${esc}@${ver}/go.mod`, content: `module ${m.path}\n` },
    );
  }
  return out;
}

export function fakeHash(seed: string): string {
  return `h1:${createHash('sha256').update(seed).digest('base64')}`;
}

/** Build cache entries under `root`: `count` output files of `bytes` each, plus README and trim.txt. */
export function buildCacheEntries(root: string, count: number, bytes = 500): TEntry[] {
  const out: TEntry[] = [
    {
      name: `${root}/README`,
      content: 'This directory holds cached build artifacts from the Go build command.\n',
    },
    { name: `${root}/trim.txt`, content: '1700000000\n' },
  ];
  for (let i = 0; i < count; i++) {
    const hex = createHash('sha256').update(`entry${i}`).digest('hex');
    out.push({ name: `${root}/${hex.slice(0, 2)}/${hex}-d`, size: bytes });
  }
  return out;
}

export function goSumFor(modules: FakeModule[]): string {
  return modules
    .map(
      (m) =>
        `${m.path} ${m.version} ${m.zipHash ?? fakeHash(m.path + m.version)}\n${m.path} ${m.version}/go.mod ${fakeHash(`${m.path}mod`)}\n`,
    )
    .join('');
}

/** Sum of entry sizes (files only) whose name starts with `prefix`. */
export function bytesUnder(entries: TEntry[], prefix: string): number {
  return entries
    .filter((e) => (e.type ?? 'file') === 'file' && e.name.startsWith(prefix))
    .reduce((s, e) => s + (e.content !== undefined ? Buffer.byteLength(e.content) : (e.size ?? 0)), 0);
}

import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LensError } from '../../../src/core/errors.js';
import { readImageArchive, type ArchiveImage } from '../../../src/core/image/archiveReader.js';
import {
  buildCacheEntries,
  bytesUnder,
  configOf,
  goSumFor,
  legacyArchive,
  moduleCacheEntries,
  ociArchive,
  rawHeader,
  sha256,
  tarOf,
  type FakeModule,
  type ImageSpec,
} from './support/archives.js';

const MODS: FakeModule[] = [
  { path: 'example.com/liba', version: 'v1.1.0' },
  { path: 'example.com/Libb', version: 'v1.0.0' },
];
const modEntries = moduleCacheEntries('go/pkg/mod', MODS);
const buildEntries = buildCacheEntries('root/.cache/go-build', 12);

async function spec(): Promise<ImageSpec> {
  return {
    layers: [
      await tarOf([{ name: 'bin/busybox', size: 30_000 }]),
      await tarOf([...modEntries, { name: 'src/go.sum', content: goSumFor(MODS) }]),
      await tarOf(buildEntries),
      await tarOf([{ name: 'go/pkg/.wh.mod', content: '' }]),
    ],
    tag: 'lens-test/app:1',
  };
}

function chunked(buf: Buffer, size = 8192): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
    })(),
  );
}

async function read(buf: Buffer, opts: Parameters<typeof readImageArchive>[1] = {}): Promise<ArchiveImage> {
  return readImageArchive(chunked(buf), opts);
}

async function rejection(p: Promise<unknown>): Promise<LensError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LensError);
    expect((e as Error).message).not.toContain('\n');
    return e as LensError;
  }
  throw new Error('expected a rejection');
}

function checkImage(img: ArchiveImage, s: ImageSpec) {
  expect(img.layers.map((l) => l.diffId)).toEqual(s.layers.map(sha256));
  expect(img.id).toBe(sha256(configOf(s)));
  const [base, mod, build, cleanup] = img.layers.map((l) => l.summary!);
  expect(base!.caches).toEqual([]);
  expect(base!.sizeBytes).toBe(30_000);
  expect(mod!.caches.map((c) => [c.kind, c.root, c.bytes])).toEqual([
    ['module-cache', '/go/pkg/mod', bytesUnder(modEntries, '')],
  ]);
  expect(mod!.goSums.map((g) => g.path)).toEqual(['/src/go.sum']);
  expect(build!.caches.map((c) => [c.kind, c.root, c.bytes])).toEqual([
    ['build-cache', '/root/.cache/go-build', bytesUnder(buildEntries, '')],
  ]);
  expect(cleanup!.whiteouts).toEqual(['/go/pkg/mod']);
}

describe('readImageArchive', () => {
  it('reads the overlay2 export (plain layers, manifest.json)', async () => {
    const s = await spec();
    const img = await read(await legacyArchive(s));
    checkImage(img, s);
    expect(img.repoTags).toEqual(['lens-test/app:1']);
    expect(img.layers[1]!.blobDigest).toBe(sha256(s.layers[1]!));
  });

  it('reads the containerd export (gzip blobs first, nested index, attestation manifest)', async () => {
    const s = await spec();
    const img = await read(await ociArchive(s));
    checkImage(img, s);
    expect(img.repoTags).toEqual(['lens-test/app:1']);
    expect(img.layers[1]!.blobDigest).toBe(sha256(gzipSync(s.layers[1]!)));
  });

  it('reads an OCI layout with plain layers and with a manifest.json next to it', async () => {
    const s = await spec();
    checkImage(await read(await ociArchive({ ...s, compress: (b) => b })), s);
    checkImage(await read(await ociArchive({ ...s, withLegacyManifest: true })), s);
    checkImage(await read(await ociArchive({ ...s, flatIndex: true })), s); // buildx -o type=oci
  });

  it('reads the old Docker layout (<id>/layer.tar, a symlinked duplicate layer, manifest.json last)', async () => {
    const s = await spec();
    const layers = [...s.layers, s.layers[0]!];
    const cfg = configOf({ ...s, layers });
    const buf = await tarOf([
      { name: 'aaa/layer.tar', content: s.layers[0]! },
      { name: 'bbb/layer.tar', content: s.layers[1]! },
      { name: 'ccc/layer.tar', content: s.layers[2]! },
      { name: 'ddd/layer.tar', content: s.layers[3]! },
      { name: 'eee/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      { name: 'eee/json', content: '{"id":"eee"}' },
      { name: `${sha256(cfg).slice(7)}.json`, content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([
          {
            Config: `${sha256(cfg).slice(7)}.json`,
            RepoTags: ['old:1'],
            Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar', 'ddd/layer.tar', 'eee/layer.tar'],
          },
        ]),
      },
      { name: 'repositories', content: '{}' },
    ]);
    const img = await read(buf, {});
    expect(img.layers).toHaveLength(5);
    expect(img.layers[4]!.summary).toEqual(img.layers[0]!.summary);
    expect(img.layers[1]!.summary!.caches[0]!.root).toBe('/go/pkg/mod');
  });

  it('gives the same summaries whatever the chunk size', async () => {
    const s = await spec();
    const buf = await ociArchive(s);
    const a = await readImageArchive(chunked(buf, 1), {});
    const b = await readImageArchive(chunked(buf, 1 << 20), {});
    expect(a.layers).toEqual(b.layers);
  });

  it('skips known blobs without walking them', async () => {
    const s = await spec();
    const known = sha256(s.layers[0]!);
    const img = await read(await legacyArchive(s), { isKnownBlob: (d) => d === known });
    expect(img.layers[0]!.summary).toBeUndefined();
    expect(img.layers[1]!.summary).toBeDefined();
  });

  it('rejects a zstd layer with a clear unsupported error', async () => {
    const s = await spec();
    const fakeZstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100, 7)]);
    const e = await rejection(
      read(await ociArchive({ ...s, compress: (b) => (b === s.layers[2] ? fakeZstd : gzipSync(b)) })),
    );
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/zstd/);
  });

  it('rejects corrupt and truncated gzip layers as bad-archive', async () => {
    const s = await spec();
    const corrupt = (b: Buffer) => {
      const g = gzipSync(b);
      if (b !== s.layers[1]) return g;
      const c = Buffer.from(g);
      for (let i = 20; i < 60; i++) c[i] = 0xff;
      return c;
    };
    const e1 = await rejection(read(await ociArchive({ ...s, compress: corrupt })));
    expect(e1.code).toBe('bad-archive');
    expect(e1.message).toMatch(/^layer sha256:[0-9a-f]{12} is (corrupt|truncated)/);
    const truncated = (b: Buffer) => (b === s.layers[1] ? gzipSync(b).subarray(0, 200) : gzipSync(b));
    const e2 = await rejection(read(await ociArchive({ ...s, compress: truncated })));
    expect(e2.code).toBe('bad-archive');
    expect(e2.message).toMatch(/truncated/);
  });

  it('rejects a truncated archive, a missing layer and something that is no archive', async () => {
    const s = await spec();
    const full = await legacyArchive(s);
    for (const cut of [full.length - 2048, Math.floor(full.length / 2), 100]) {
      const e = await rejection(read(full.subarray(0, cut)));
      expect(e.code).toBe('bad-archive');
      expect(e.message).toMatch(/truncated|manifest\.json/);
    }
    const noLayer = await tarOf([
      { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['x/layer.tar'] }]) },
      { name: 'c.json', content: configOf({ layers: [Buffer.alloc(1024)] }) },
    ]);
    expect((await rejection(read(noLayer))).message).toMatch(/lacks layer 0/);
    expect((await rejection(read(Buffer.from('hello, this is not a tar archive'.repeat(40))))).code).toBe(
      'bad-archive',
    );
  });

  it('rejects a layer with a hostile path', async () => {
    const hostile = Buffer.concat([
      rawHeader({ name: '../../etc/passwd', typeflag: '0', size: 0 }),
      Buffer.alloc(1024),
    ]);
    const e = await rejection(read(await legacyArchive({ layers: [hostile] })));
    expect(e.code).toBe('unsafe-path');
  });

  it('streams a layer of 200k files with bounded memory, and enforces the entry limit', async () => {
    const count = 200_000;
    const header = (name: string, size: number, type = '0') => rawHeader({ name, typeflag: type, size });
    const layerSize = count * 512 + 1024;
    const cfg = configOf({ layers: [Buffer.alloc(0)] });
    function* archive() {
      yield header('big/layer.tar', layerSize);
      let batch: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        batch.push(header(`data/d${i % 700}/file-${i}`, 0));
        if (batch.length === 2000) {
          yield Buffer.concat(batch);
          batch = [];
        }
      }
      batch.push(Buffer.alloc(1024));
      yield Buffer.concat(batch);
      const manifest = Buffer.from(JSON.stringify([{ Config: 'c.json', Layers: ['big/layer.tar'] }]));
      for (const [name, body] of [
        ['c.json', cfg],
        ['manifest.json', manifest],
      ] as const) {
        yield header(name, body.length);
        yield Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
      }
      yield Buffer.alloc(1024);
    }
    const before = process.memoryUsage().rss;
    const img = await readImageArchive(Readable.from(archive()), {});
    expect(img.layers[0]!.summary!.entries).toBe(count);
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    const e = await rejection(readImageArchive(Readable.from(archive()), { maxEntriesPerLayer: 100_000 }));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/more than 100,000 entries/);
  });

  it('stops with cancelled when the signal aborts', async () => {
    const s = await spec();
    const buf = await legacyArchive(s);
    const ac = new AbortController();
    let n = 0;
    const e = await rejection(
      readImageArchive(chunked(buf, 1024), {
        signal: ac.signal,
        onProgress: () => {
          if (++n === 3) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
  });
});

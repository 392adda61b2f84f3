import { createReadStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';

/**
 * What a `docker save` archive really holds, computed independently of the analysis code (with
 * tar-stream and zlib): per layer (manifest order), the bytes and files of regular files under given
 * path prefixes, and its whiteouts. Used as the reference the integration tests compare against.
 */

export interface LayerTruth {
  /** prefix -> bytes of regular files below it. */
  bytes: Record<string, number>;
  files: Record<string, number>;
  whiteouts: string[];
  totalBytes: number;
}

export interface ArchiveTruth {
  layers: LayerTruth[];
}

export async function archiveTruth(file: string, prefixes: string[]): Promise<ArchiveTruth> {
  const blobs = new Map<string, LayerTruth>();
  const json = new Map<string, string>();
  const outer = tarExtract();
  outer.on('entry', (h, stream, next) => {
    void handle(h, stream as unknown as Readable).then(
      () => next(),
      (e: Error) => next(e),
    );
  });
  async function handle(h: Header, stream: Readable): Promise<void> {
    if (h.type !== 'file') {
      stream.resume();
      await new Promise((r) => stream.on('end', r));
      return;
    }
    const first = await firstBytes(stream);
    if (first.head[0] === 0x7b || first.head[0] === 0x5b) {
      json.set(h.name, (await collect(first.rest)).toString('utf8'));
      return;
    }
    const gz = first.head[0] === 0x1f && first.head[1] === 0x8b;
    const truth: LayerTruth = { bytes: {}, files: {}, whiteouts: [], totalBytes: 0 };
    for (const p of prefixes) {
      truth.bytes[p] = 0;
      truth.files[p] = 0;
    }
    const inner = tarExtract();
    inner.on('entry', (ih, s, n) => {
      const name = `/${ih.name.replace(/^\.?\//, '').replace(/\/$/, '')}`;
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (base.startsWith('.wh.')) {
        if (base !== '.wh..wh..opq')
          truth.whiteouts.push(name.slice(0, name.lastIndexOf('/') + 1) + base.slice(4));
      } else if (ih.type === 'file' || ih.type === 'contiguous-file') {
        truth.totalBytes += ih.size ?? 0;
        for (const p of prefixes) {
          if (name.startsWith(`${p}/`)) {
            truth.bytes[p]! += ih.size ?? 0;
            truth.files[p]! += 1;
          }
        }
      } else if (ih.type === 'link') {
        for (const p of prefixes) if (name.startsWith(`${p}/`)) truth.files[p]! += 1;
      }
      s.on('end', () => n());
      s.resume();
    });
    try {
      if (gz) await pipeline(first.rest, createGunzip(), inner as unknown as NodeJS.WritableStream);
      else await pipeline(first.rest, inner as unknown as NodeJS.WritableStream);
      blobs.set(h.name, truth);
    } catch {
      // not a layer
    }
  }
  await pipeline(createReadStream(file), outer as unknown as NodeJS.WritableStream);
  const manifest = JSON.parse(json.get('manifest.json') ?? '[]') as { Layers: string[] }[];
  if (!manifest[0]) throw new Error('archive without manifest.json');
  return { layers: manifest[0].Layers.map((l) => blobs.get(l)!) };
}

async function firstBytes(stream: Readable): Promise<{ head: Buffer; rest: Readable }> {
  const chunks: Buffer[] = [];
  const it = stream[Symbol.asyncIterator]();
  let len = 0;
  let done = false;
  while (len < 4) {
    const r = (await it.next()) as IteratorResult<Buffer>;
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(chunks);
  const rest = Readable.from(
    (async function* () {
      yield head;
      if (done) return;
      for (;;) {
        const r = (await it.next()) as IteratorResult<Buffer>;
        if (r.done) return;
        yield r.value;
      }
    })(),
  );
  return { head, rest };
}

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    s,
    new Writable({
      write(c: Buffer, _e, cb) {
        parts.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Transform } from 'node:stream';
import { LensError, toLensError } from '../errors.js';
import type { LayerSummary } from '../layers/layerSummary.js';
import { LayerWalker } from '../layers/layerWalker.js';
import { SNIFF_BYTES, createDecompressor, isCompressed, sniffBlob, type BlobKind } from './compression.js';
import { digestOfName, resolveImage } from './formats.js';
import type { ImageConfig } from './imageConfig.js';
import {
  TarParser,
  normalizeEntryPath,
  type TarBodySink,
  type TarEntry,
  type TarVisitor,
} from './tarParser.js';

/**
 * Reads a `docker save` stream (legacy or OCI layout, in any entry order) in one pass: every blob
 * that looks like a layer (plain tar, gzip, zstd) is walked as it streams by, through a nested tar
 * reader; JSON documents are kept; the rest is skipped. Which blobs are the image's layers, and in
 * what order, is decided at the end from the manifest or index.
 */

export interface ReadArchiveOptions {
  signal?: AbortSignal;
  /** When the archive holds several images: the one whose tag matches. */
  wantedRef?: string;
  /** Layer blobs (by digest) whose summaries are already known: skipped, not walked. */
  isKnownBlob?: (digest: string) => boolean;
  /** Called for every chunk read; `layer` is the blob being read. */
  onProgress?: (bytesRead: number, layer: string | undefined) => void;
  maxEntriesPerLayer?: number;
}

export interface ArchiveLayer {
  diffId: string;
  /** `sha256:…` when the archive names the blob by digest. */
  blobDigest?: string;
  /** Undefined when the blob was skipped because it is already known. */
  summary?: LayerSummary;
}

export interface ArchiveImage {
  /** The config digest. */
  id: string;
  config: ImageConfig;
  repoTags: string[];
  layers: ArchiveLayer[];
  bytesRead: number;
}

const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Compressed bytes handed to the decompressor per write. */
const COMPRESSED_BATCH = 256 * 1024;
/** How far the reader may run ahead of the walk, so the producer (the engine) is never stalled. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;
const MAX_JSON_TOTAL = 64 * 1024 * 1024;

type BlobResult =
  | { kind: 'layer'; summary: LayerSummary }
  | { kind: 'known' }
  | { kind: 'failed'; error: LensError }
  | { kind: 'other'; what: BlobKind | 'large-json' };

export async function readImageArchive(
  stream: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  opts: ReadArchiveOptions = {},
): Promise<ArchiveImage> {
  const visitor = new OuterVisitor(opts);
  const outer = new TarParser(visitor, {
    label: 'image archive',
    maxEntries: 1_000_000,
    requireEndMarker: true,
  });
  let bytesRead = 0;
  const signal = opts.signal;
  if (signal?.aborted) throw new LensError('cancelled', 'cancelled');
  const source = isEventStream(stream) ? readAhead(stream, READ_AHEAD_BYTES) : stream;
  for await (const chunk of source) {
    if (signal?.aborted) throw new LensError('cancelled', 'cancelled');
    bytesRead += chunk.length;
    const w = outer.write(chunk);
    if (w) await w;
    opts.onProgress?.(bytesRead, visitor.current);
  }
  if (signal?.aborted) throw new LensError('cancelled', 'cancelled');
  outer.end();
  return visitor.resolve(bytesRead, outer.ended);
}

class OuterVisitor implements TarVisitor {
  readonly json = new Map<string, Buffer>();
  private jsonTotal = 0;
  readonly blobs = new Map<string, BlobResult>();
  readonly aliases = new Map<string, string>();
  readonly names = new Set<string>();
  current: string | undefined;

  constructor(private readonly opts: ReadArchiveOptions) {}

  entry(e: TarEntry): TarBodySink | undefined {
    if (e.type === 'symlink' || e.type === 'hardlink') {
      const target = e.type === 'symlink' ? posix.join(posix.dirname(e.path), e.linkname) : e.linkname;
      this.aliases.set(e.path, normalizeEntryPath(target, 'image archive'));
      this.names.add(e.path);
      return undefined;
    }
    if (e.type !== 'file') return undefined;
    this.names.add(e.path);
    const digest = digestOfName(e.path);
    if (digest && this.opts.isKnownBlob?.(digest)) {
      this.blobs.set(e.path, { kind: 'known' });
      return undefined;
    }
    this.current = digest ?? e.path;
    return new SniffSink((head, complete) => this.open(e, sniffBlob(head, complete), digest));
  }

  private open(e: TarEntry, kind: BlobKind, digest: string | undefined): TarBodySink | undefined {
    const label = `layer ${digest ? shortDigest(digest) : e.path}`;
    if (kind === 'json') {
      if (e.size > MAX_JSON_BYTES || this.jsonTotal + e.size > MAX_JSON_TOTAL) {
        this.blobs.set(e.path, { kind: 'other', what: 'large-json' });
        return undefined;
      }
      this.jsonTotal += e.size;
      const parts: Buffer[] = [];
      return {
        data: (c) => void parts.push(Buffer.from(c)),
        end: () => void this.json.set(e.path, Buffer.concat(parts)),
      };
    }
    if (kind === 'tar' || isCompressed(kind)) {
      let decompressor: Transform | undefined;
      try {
        if (kind !== 'tar') decompressor = createDecompressor(kind, label);
      } catch (err) {
        this.blobs.set(e.path, { kind: 'failed', error: toLensError(err, 'bad-archive') });
        return undefined;
      }
      return new LayerSink(label, decompressor, this.opts.maxEntriesPerLayer, (r) =>
        this.blobs.set(e.path, r),
      );
    }
    this.blobs.set(e.path, { kind: 'other', what: kind });
    return undefined;
  }

  private alias(name: string): string {
    let n = normalizeEntryPath(name, 'image archive');
    for (let i = 0; i < 8 && this.aliases.has(n); i++) n = this.aliases.get(n)!;
    return n;
  }

  private parsed(name: string): unknown {
    const buf = this.json.get(this.alias(name));
    if (!buf) return undefined;
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch {
      throw new LensError('bad-archive', `image archive entry ${name} is not valid JSON`);
    }
  }

  resolve(bytesRead: number, sawEndMarker: boolean): ArchiveImage {
    const has = (n: string) => this.names.has(this.alias(n)) || this.json.has(this.alias(n));
    let resolved;
    try {
      resolved = resolveImage(has, (n) => this.parsed(n));
    } catch (e) {
      if (!sawEndMarker && e instanceof LensError && e.code === 'bad-archive') {
        throw new LensError(
          'bad-archive',
          `${e.message} (the archive ends without an end marker: truncated?)`,
          e,
        );
      }
      throw e;
    }
    const configName = this.alias(resolved.configName);
    const configBuf = this.json.get(configName);
    if (!configBuf)
      throw new LensError('bad-archive', `image archive lacks the image config ${resolved.configName}`);
    const config = this.parsed(configName) as ImageConfig;
    if (!config || typeof config !== 'object')
      throw new LensError('bad-archive', 'image config is not a JSON object');
    const diffIds = config.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string')) {
      throw new LensError('bad-archive', 'image config has no rootfs.diff_ids');
    }
    if (diffIds.length !== resolved.layerNames.length) {
      throw new LensError(
        'bad-archive',
        `image manifest lists ${resolved.layerNames.length} layers but the config ${diffIds.length}`,
      );
    }
    const layers: ArchiveLayer[] = resolved.layerNames.map((raw, i) => {
      const name = this.alias(raw);
      const r = this.blobs.get(name);
      const blobDigest = digestOfName(name);
      const diffId = diffIds[i]!;
      if (!r) throw new LensError('bad-archive', `image archive lacks layer ${i} (${raw})`);
      switch (r.kind) {
        case 'failed':
          throw r.error;
        case 'other':
          throw new LensError('bad-archive', `layer ${i} (${raw}) is not a tar archive (${r.what})`);
        case 'known':
          return { diffId, blobDigest };
        case 'layer':
          return { diffId, blobDigest, summary: r.summary };
      }
    });
    return {
      id: `sha256:${createHash('sha256').update(configBuf).digest('hex')}`,
      config,
      repoTags: resolved.repoTags,
      layers,
      bytesRead,
    };
  }
}

function isEventStream(s: NodeJS.ReadableStream | AsyncIterable<Buffer>): s is NodeJS.ReadableStream {
  return (
    typeof (s as NodeJS.ReadableStream).on === 'function' &&
    typeof (s as NodeJS.ReadableStream).pause === 'function'
  );
}

/**
 * Reads a stream eagerly, up to `limit` bytes ahead of the consumer: while the walk waits for a
 * decompressor, the source keeps flowing instead of stalling the engine that produces it.
 */
export async function* readAhead(stream: NodeJS.ReadableStream, limit: number): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let head = 0;
  let queued = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (c: Buffer | string) => {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    queue.push(b);
    queued += b.length;
    if (queued >= limit) stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (e: unknown) => {
    failure ??= e;
    notify();
  };
  const onClose = () => {
    if (!ended) failure ??= new LensError('bad-archive', 'the image stream closed before its end');
    notify();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  try {
    for (;;) {
      if (head < queue.length) {
        const c = queue[head]!;
        queue[head++] = EMPTY;
        if (head > 1024) {
          queue.splice(0, head);
          head = 0;
        }
        queued -= c.length;
        if (queued < limit / 2 && stream.isPaused()) stream.resume();
        yield c;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    stream.pause();
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stream.off('close', onClose);
  }
}

const EMPTY = Buffer.alloc(0);

/** Buffers the first bytes of a blob, lets `decide` pick the real sink, then forwards everything. */
class SniffSink implements TarBodySink {
  private head: Buffer[] = [];
  private headLen = 0;
  private target: TarBodySink | undefined | null = null;

  constructor(private readonly decide: (head: Buffer, complete: boolean) => TarBodySink | undefined) {}

  data(chunk: Buffer): void | Promise<void> {
    if (this.target !== null) return this.target?.data(chunk);
    this.head.push(Buffer.from(chunk.subarray(0, SNIFF_BYTES)));
    if (chunk.length > SNIFF_BYTES) this.head.push(chunk.subarray(SNIFF_BYTES));
    this.headLen += chunk.length;
    if (this.headLen >= SNIFF_BYTES) return this.choose(false);
  }

  private choose(complete: boolean): void | Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.target = this.decide(head.subarray(0, SNIFF_BYTES), complete);
    if (this.target && head.length > 0) return this.target.data(head);
  }

  end(): void | Promise<void> {
    if (this.target === null) {
      const w = this.choose(true);
      if (w) return w.then(() => this.target?.end());
    }
    return this.target?.end();
  }
}

/** Walks one layer blob: optional decompression, then a nested tar reader feeding a LayerWalker. */
class LayerSink implements TarBodySink {
  private readonly walker: LayerWalker;
  private readonly tar: TarParser;
  private failure: LensError | undefined;
  private readonly finished: Promise<void> | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly label: string,
    private readonly z: Transform | undefined,
    maxEntries: number | undefined,
    private readonly done: (r: BlobResult) => void,
  ) {
    this.walker = new LayerWalker({ label });
    this.tar = new TarParser(this.walker, { label, maxEntries });
    if (z) {
      z.on('data', (out: Buffer) => this.feed(out));
      this.finished = new Promise<void>((resolve) => {
        z.once('end', resolve);
        z.once('close', resolve);
        z.on('error', (e) => {
          this.fail(compressionError(e, label));
          resolve();
        });
      });
    }
  }

  private feed(buf: Buffer): void {
    if (this.failure) return;
    try {
      void this.tar.write(buf); // the walker's sinks are synchronous
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (!this.failure) this.failure = toLensError(e, 'bad-archive');
    if (this.z && !this.z.destroyed) this.z.destroy();
  }

  data(chunk: Buffer): void | Promise<void> {
    if (this.failure) return;
    if (!this.z) return this.feed(chunk);
    // Few large writes: every write is a round trip to the decompressing thread.
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= COMPRESSED_BATCH) return this.flush();
  }

  private flush(): void | Promise<void> {
    const z = this.z!;
    if (this.pendingBytes === 0 || this.failure) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!z.write(buf)) {
      return new Promise<void>((resolve) => {
        const go = () => {
          z.off('drain', go);
          z.off('close', go);
          resolve();
        };
        z.on('drain', go);
        z.on('close', go);
      });
    }
  }

  async end(): Promise<void> {
    if (this.z) {
      await this.flush();
      if (!this.failure) this.z.end();
      await this.finished;
    }
    if (!this.failure) {
      try {
        this.tar.end();
      } catch (e) {
        this.fail(e);
      }
    }
    this.done(
      this.failure
        ? { kind: 'failed', error: this.failure }
        : { kind: 'layer', summary: this.walker.finish() },
    );
  }
}

function compressionError(e: unknown, label: string): LensError {
  const err = e as { code?: string; message?: string };
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message ?? '')) {
    return new LensError('bad-archive', `${label} is truncated (compressed data ends early)`, e);
  }
  return new LensError('bad-archive', `${label} is corrupt (${err.message ?? 'bad compressed data'})`, e);
}

export function shortDigest(d: string): string {
  const [alg, hex] = d.split(':');
  return hex ? `${alg}:${hex.slice(0, 12)}` : d;
}

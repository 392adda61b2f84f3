import { LensError } from '../errors.js';

/**
 * A push-based streaming tar reader: feed it chunks with `write`, it calls the visitor once per entry
 * and hands over entry bodies only when the visitor asks for them. Nothing is buffered beyond one
 * 512-byte header and the (small) pax / GNU long-name records. Understands ustar, pax (local and
 * global headers) and GNU tar (long names, long link names, base-256 sizes).
 */

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'other';

export interface TarEntry {
  /** Normalised relative path: no leading `/` or `./`, no trailing `/`, no `.` components. */
  path: string;
  type: TarEntryType;
  /** Bytes of body stored in the archive for this entry. */
  size: number;
  /** Target of a hard or symbolic link, as stored. */
  linkname: string;
  mode: number;
}

/** Receives an entry's body. `data` may return a promise to apply backpressure to the writer. */
export interface TarBodySink {
  data(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export interface TarVisitor {
  /** Called once per entry; return a sink to receive its body, or undefined to skip it. */
  entry(entry: TarEntry): TarBodySink | undefined | Promise<TarBodySink | undefined>;
}

export interface TarParserOptions {
  /** What the archive is, for error messages (e.g. `layer sha256:abcd…`). */
  label: string;
  /** Maximum entries before LensError('too-large'). */
  maxEntries?: number;
  /** Treat input that ends without the end-of-archive marker as truncated. */
  requireEndMarker?: boolean;
}

const BLOCK = 512;
const MAX_LONG_HEADER = 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 2_000_000;

type State = 'header' | 'body' | 'long' | 'padding' | 'ended';

interface PendingLong {
  kind: 'pax' | 'pax-global' | 'gnu-name' | 'gnu-link';
  size: number;
  parts: Buffer[];
  got: number;
}

export class TarParser {
  private state: State = 'header';
  private readonly headerBuf = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private sink: TarBodySink | undefined;
  private long: PendingLong | undefined;
  private pax: Record<string, string> | undefined;
  private paxGlobal: Record<string, string> = {};
  private gnuName: string | undefined;
  private gnuLink: string | undefined;
  private entryCount = 0;
  private readonly maxEntries: number;
  /** Total bytes consumed, for messages and progress. */
  bytes = 0;

  constructor(
    private readonly visitor: TarVisitor,
    private readonly opts: TarParserOptions,
  ) {
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** True once the end-of-archive marker was read. */
  get ended(): boolean {
    return this.state === 'ended';
  }

  get entries(): number {
    return this.entryCount;
  }

  /**
   * Consumes a chunk. Returns a promise only when the visitor or a sink returned one (backpressure);
   * with synchronous visitors and sinks it completes synchronously.
   */
  write(chunk: Buffer): void | Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const r = this.step(chunk, off);
      if (typeof r === 'number') {
        off = r;
        continue;
      }
      const next = r.next;
      return r.wait.then(() => this.write(chunk.subarray(next)));
    }
  }

  /** Signals the end of input; throws LensError('bad-archive') when it ends inside an entry. */
  end(): void {
    if (this.state === 'ended') return;
    if (this.state === 'header' && this.headerFill === 0) {
      if (!this.opts.requireEndMarker) return; // no end marker: tolerated
      throw new LensError('bad-archive', `${this.opts.label} is truncated (no end-of-archive marker)`);
    }
    throw new LensError('bad-archive', `${this.opts.label} is truncated (ended inside an entry)`);
  }

  private step(chunk: Buffer, off: number): number | { wait: Promise<void>; next: number } {
    switch (this.state) {
      case 'ended':
        return chunk.length;
      case 'padding': {
        const n = Math.min(this.padding, chunk.length - off);
        this.padding -= n;
        this.bytes += n;
        if (this.padding === 0) this.state = 'header';
        return off + n;
      }
      case 'body': {
        const n = Math.min(this.remaining, chunk.length - off);
        this.remaining -= n;
        this.bytes += n;
        const sink = this.sink;
        let wait: void | Promise<void> = undefined;
        if (sink && n > 0) wait = sink.data(chunk.subarray(off, off + n));
        if (this.remaining === 0) {
          this.state = this.padding > 0 ? 'padding' : 'header';
          this.sink = undefined;
          if (sink) {
            if (wait) wait = wait.then(() => sink.end());
            else wait = sink.end();
          }
        }
        return wait ? { wait, next: off + n } : off + n;
      }
      case 'long': {
        const long = this.long!;
        const n = Math.min(long.size - long.got, chunk.length - off);
        long.parts.push(chunk.subarray(off, off + n));
        long.got += n;
        this.bytes += n;
        if (long.got === long.size) {
          this.finishLong(Buffer.concat(long.parts));
          this.long = undefined;
          this.state = this.padding > 0 ? 'padding' : 'header';
        }
        return off + n;
      }
      case 'header': {
        let block: Buffer;
        let next: number;
        if (this.headerFill === 0 && chunk.length - off >= BLOCK) {
          block = chunk.subarray(off, off + BLOCK);
          next = off + BLOCK;
          this.bytes += BLOCK;
        } else {
          const n = Math.min(BLOCK - this.headerFill, chunk.length - off);
          chunk.copy(this.headerBuf, this.headerFill, off, off + n);
          this.headerFill += n;
          this.bytes += n;
          next = off + n;
          if (this.headerFill < BLOCK) return next;
          block = this.headerBuf;
          this.headerFill = 0;
        }
        const wait = this.header(block);
        return wait ? { wait, next } : next;
      }
    }
  }

  private header(block: Buffer): void | Promise<void> {
    if (isZeroBlock(block)) {
      this.state = 'ended';
      return;
    }
    if (!checksumOk(block)) {
      throw new LensError(
        'bad-archive',
        `${this.opts.label} is corrupt: invalid tar header checksum at byte ${this.bytes - BLOCK}`,
      );
    }
    const typeflag = block[156]!;
    const size = readNumber(block, 124, 12);
    if (size < 0 || !Number.isSafeInteger(size)) {
      throw new LensError('bad-archive', `${this.opts.label} is corrupt: invalid entry size`);
    }
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;

    // Extended headers: collect their bodies, they describe the next entry.
    const longKind =
      typeflag === 0x78 // 'x'
        ? 'pax'
        : typeflag === 0x67 // 'g'
          ? 'pax-global'
          : typeflag === 0x4c // 'L'
            ? 'gnu-name'
            : typeflag === 0x4b // 'K'
              ? 'gnu-link'
              : undefined;
    if (longKind) {
      if (size > MAX_LONG_HEADER) {
        throw new LensError(
          'bad-archive',
          `${this.opts.label} has an oversized extended header (${size} bytes)`,
        );
      }
      if (size === 0) {
        this.finishLong(Buffer.alloc(0), longKind);
        this.state = 'header';
        return;
      }
      this.long = { kind: longKind, size, parts: [], got: 0 };
      this.state = 'long';
      return;
    }

    const isUstar = block.readUInt32BE(257) === 0x75737461 && block[261] === 0x72 && block[262] === 0;
    let name = readString(block, 0, 100);
    if (isUstar && block[345] !== 0) name = `${readString(block, 345, 155)}/${name}`;
    let linkname = readString(block, 157, 100);
    let bodySize = size;
    if (this.gnuName !== undefined) name = this.gnuName;
    if (this.gnuLink !== undefined) linkname = this.gnuLink;
    const pax = this.pax ? { ...this.paxGlobal, ...this.pax } : this.paxGlobal;
    if (pax.path !== undefined) name = pax.path;
    if (pax.linkpath !== undefined) linkname = pax.linkpath;
    if (pax.size !== undefined) {
      bodySize = Number(pax.size);
      if (!Number.isSafeInteger(bodySize) || bodySize < 0) {
        throw new LensError('bad-archive', `${this.opts.label} is corrupt: invalid pax size`);
      }
      this.padding = (BLOCK - (bodySize % BLOCK)) % BLOCK;
    }
    this.pax = undefined;
    this.gnuName = undefined;
    this.gnuLink = undefined;

    let type: TarEntryType;
    switch (typeflag) {
      case 0:
      case 0x30: // '0'
      case 0x37: // '7' contiguous
      case 0x53: // 'S' GNU sparse
        type = 'file';
        break;
      case 0x31:
        type = 'hardlink';
        break;
      case 0x32:
        type = 'symlink';
        break;
      case 0x35:
        type = 'directory';
        break;
      default:
        type = 'other';
    }
    if (type === 'file' && typeflag === 0 && name.endsWith('/')) type = 'directory';

    if (++this.entryCount > this.maxEntries) {
      throw new LensError(
        'too-large',
        `${this.opts.label} has more than ${this.maxEntries.toLocaleString('en-US')} entries`,
      );
    }

    const path = normalizeEntryPath(name, this.opts.label);
    if (type === 'hardlink') normalizeEntryPath(linkname, this.opts.label);
    const entry: TarEntry = { path, type, size: bodySize, linkname, mode: readNumber(block, 100, 8) };
    this.remaining = bodySize;
    this.state = bodySize > 0 ? 'body' : this.padding > 0 ? 'padding' : 'header';
    const r = this.visitor.entry(entry);
    if (r instanceof Promise) {
      return r.then((sink) => this.attach(sink, bodySize));
    }
    return this.attach(r, bodySize);
  }

  private attach(sink: TarBodySink | undefined, bodySize: number): void | Promise<void> {
    if (!sink) return;
    if (bodySize > 0) {
      this.sink = sink;
      return;
    }
    return sink.end();
  }

  private finishLong(buf: Buffer, kind = this.long!.kind): void {
    switch (kind) {
      case 'gnu-name':
        this.gnuName = readString(buf, 0, buf.length);
        break;
      case 'gnu-link':
        this.gnuLink = readString(buf, 0, buf.length);
        break;
      case 'pax':
        this.pax = { ...(this.pax ?? {}), ...parsePax(buf, this.opts.label) };
        break;
      case 'pax-global':
        this.paxGlobal = { ...this.paxGlobal, ...parsePax(buf, this.opts.label) };
        break;
    }
  }
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 4) if (b.readUInt32LE(i) !== 0) return false;
  return true;
}

/** Valid when the stored checksum matches the unsigned (or historic signed) sum of the header. */
export function checksumOk(b: Buffer): boolean {
  const stored = readNumber(b, 148, 8);
  let unsigned = 8 * 0x20; // the checksum field counts as spaces
  for (let i = 0; i < 148; i++) unsigned += b[i]!;
  for (let i = 156; i < BLOCK; i++) unsigned += b[i]!;
  if (stored === unsigned) return true;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const v = b[i]!;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === signed;
}

/** Octal ASCII (NUL/space terminated) or GNU base-256 (high bit set). */
function readNumber(b: Buffer, off: number, len: number): number {
  const first = b[off]!;
  if (first & 0x80) {
    if (first !== 0x80) return -1; // negative or unsupported
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return -1;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

function readString(b: Buffer, off: number, len: number): string {
  let end = b.indexOf(0, off);
  if (end < 0 || end > off + len) end = off + len;
  return b.toString('utf8', off, end);
}

function parsePax(buf: Buffer, label: string): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.toString('ascii', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off || off + len > buf.length) {
      if (buf[off] === 0) break; // trailing NUL padding
      throw new LensError('bad-archive', `${label} has a malformed pax header`);
    }
    const rec = buf.toString('utf8', sp + 1, off + len - 1); // without the trailing newline
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/**
 * Normalises a tar entry name to a relative path without `.` components or slashes at the ends.
 * A `..` component is hostile (it would escape the root) and throws LensError('unsafe-path').
 */
export function normalizeEntryPath(name: string, label: string): string {
  // Fast path: already normal (the common case in layer tars).
  if (
    name !== '' &&
    name.charCodeAt(0) !== 47 &&
    name.charCodeAt(name.length - 1) !== 47 &&
    !name.startsWith('./') &&
    !name.includes('//') &&
    !name.includes('/./') &&
    !name.includes('..') &&
    !name.includes('\0') &&
    name !== '.' &&
    !name.endsWith('/.')
  ) {
    return name;
  }
  if (name.includes('\0')) throw new LensError('unsafe-path', `${label} has an entry name with a NUL byte`);
  const parts = name.split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      throw new LensError(
        'unsafe-path',
        `${label} has a hostile entry path "${truncate(name)}" (escapes the root)`,
      );
    }
    out.push(p);
  }
  return out.join('/');
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { LensError } from '../errors.js';
import { checksumOk } from './tarParser.js';

export type BlobKind = 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'tar' | 'json' | 'unknown';

/** Bytes needed to tell the kinds apart (a tar header is one 512-byte block). */
export const SNIFF_BYTES = 512;

/**
 * Tells a blob's format from its first bytes. `complete` says `head` is the whole blob (it may be
 * shorter than SNIFF_BYTES then).
 */
export function sniffBlob(head: Buffer, complete: boolean): BlobKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.readUInt32BE(0) === 0xfd377a58 && head[4] === 0x5a && head[5] === 0)
    return 'xz';
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09))
    i++;
  if (head[i] === 0x7b || head[i] === 0x5b) return 'json';
  if (head.length >= SNIFF_BYTES) {
    const block = head.subarray(0, SNIFF_BYTES);
    if (block.every((b) => b === 0) || checksumOk(block)) return 'tar';
    return 'unknown';
  }
  if (complete && head.every((b) => b === 0)) return 'tar'; // an empty (or zero-padded) tar
  return 'unknown';
}

export function isCompressed(kind: BlobKind): boolean {
  return kind === 'gzip' || kind === 'zstd' || kind === 'bzip2' || kind === 'xz';
}

type ZstdFactory = (opts?: zlib.ZlibOptions) => Transform;

/** A decompressing transform for the kind, or LensError('unsupported') when this runtime lacks one. */
export function createDecompressor(kind: BlobKind, label: string): Transform {
  const chunkSize = 512 * 1024;
  if (kind === 'gzip') return zlib.createGunzip({ chunkSize });
  if (kind === 'zstd') {
    const factory = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
    if (factory) return factory({ chunkSize });
    throw new LensError(
      'unsupported',
      `${label} is zstd-compressed, which needs Node.js 22.15 or later (this is ${process.version})`,
    );
  }
  throw new LensError('unsupported', `${label} is ${kind}-compressed, which GoCache Lens does not read`);
}

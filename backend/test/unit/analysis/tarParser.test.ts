import { describe, expect, it } from 'vitest';
import { LensError } from '../../../src/core/errors.js';
import { TarParser, type TarEntry } from '../../../src/core/image/tarParser.js';
import { rawHeader, rawTar, tarOf } from './support/archives.js';

interface Seen {
  entry: TarEntry;
  body?: string;
}

function parse(
  buf: Buffer,
  chunk = buf.length,
  opts: { maxEntries?: number; readBodies?: boolean } = {},
): Seen[] {
  const seen: Seen[] = [];
  const p = new TarParser(
    {
      entry(entry) {
        const s: Seen = { entry };
        seen.push(s);
        if (!opts.readBodies) return undefined;
        const parts: Buffer[] = [];
        return {
          data: (c) => void parts.push(Buffer.from(c)),
          end: () => void (s.body = Buffer.concat(parts).toString()),
        };
      },
    },
    { label: 'test tar', maxEntries: opts.maxEntries },
  );
  for (let i = 0; i < buf.length; i += chunk) {
    const r = p.write(buf.subarray(i, i + chunk));
    expect(r).toBeUndefined(); // synchronous visitor: no promises
  }
  p.end();
  return seen;
}

function lensError(fn: () => unknown): LensError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LensError);
    return e as LensError;
  }
  throw new Error('expected a LensError');
}

describe('TarParser', () => {
  it('reads files, directories, symlinks and hardlinks with their bodies, in any chunking', async () => {
    const buf = await tarOf([
      { name: 'a/', type: 'directory' },
      { name: 'a/one.txt', content: 'hello' },
      { name: 'a/big', size: 70_000 },
      { name: 'a/link', type: 'symlink', linkname: '../etc/x' },
      { name: 'a/hard', type: 'link', linkname: 'a/one.txt' },
      { name: './b/./two', content: 'world' },
    ]);
    for (const chunk of [buf.length, 4096, 511, 7, 1]) {
      const seen = parse(buf, chunk, { readBodies: true });
      expect(seen.map((s) => [s.entry.path, s.entry.type, s.entry.size])).toEqual([
        ['a', 'directory', 0],
        ['a/one.txt', 'file', 5],
        ['a/big', 'file', 70_000],
        ['a/link', 'symlink', 0],
        ['a/hard', 'hardlink', 0],
        ['b/two', 'file', 5],
      ]);
      expect(seen[1]!.body).toBe('hello');
      expect(seen[2]!.body).toHaveLength(70_000);
      expect(seen[3]!.entry.linkname).toBe('../etc/x');
      expect(seen[5]!.body).toBe('world');
    }
  });

  it('applies pax long names (tar-stream writes them for long paths)', async () => {
    const long = `go/pkg/mod/${'very-long-directory-name/'.repeat(12)}file.go`;
    const seen = parse(
      await tarOf([
        { name: long, content: 'x' },
        { name: 'after', content: 'y' },
      ]),
      100,
    );
    expect(seen.map((s) => s.entry.path)).toEqual([long, 'after']);
  });

  it('applies GNU long names and long link names', () => {
    const long = `root/.cache/go-build/${'x'.repeat(150)}/entry`;
    const linkTarget = `some/${'y'.repeat(140)}`;
    const name = Buffer.from(`${long}\0`);
    const link = Buffer.from(`${linkTarget}\0`);
    const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
    const buf = Buffer.concat([
      rawHeader({ name: '././@LongLink', typeflag: 'L', size: name.length, gnu: true }),
      pad(name),
      rawHeader({ name: '././@LongLink', typeflag: 'K', size: link.length, gnu: true }),
      pad(link),
      rawHeader({ name: long.slice(0, 100), typeflag: '1', size: 0, linkname: 'short', gnu: true }),
      Buffer.alloc(1024),
    ]);
    const seen = parse(buf, 33);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.entry).toMatchObject({ path: long, type: 'hardlink', linkname: linkTarget });
  });

  it('rejects a hostile ../ path with a one-line unsafe-path error', () => {
    const e = lensError(() => parse(rawTar([{ name: '../../etc/passwd', content: 'root:x:0:0' }])));
    expect(e.code).toBe('unsafe-path');
    expect(e.message).toContain('../../etc/passwd');
    expect(e.message).not.toContain('\n');
    expect(lensError(() => parse(rawTar([{ name: 'a/../../b' }]))).code).toBe('unsafe-path');
  });

  it('reports a corrupt header and a truncated archive as bad-archive', async () => {
    const buf = await tarOf([
      { name: 'a', content: 'abc' },
      { name: 'b', content: 'def' },
    ]);
    const corrupt = Buffer.from(buf);
    corrupt[512 + 512 + 10] = corrupt[512 + 512 + 10]! ^ 0xff; // inside the second header
    const e1 = lensError(() => parse(corrupt));
    expect(e1.code).toBe('bad-archive');
    expect(e1.message).toMatch(/checksum/);
    const e2 = lensError(() => parse(buf.subarray(0, 700)));
    expect(e2.code).toBe('bad-archive');
    expect(e2.message).toMatch(/truncated/);
    const e3 = lensError(() => parse(buf.subarray(0, 300)));
    expect(e3.message).toMatch(/truncated/);
  });

  it('stops at the end marker and ignores what follows', async () => {
    const buf = Buffer.concat([
      await tarOf([{ name: 'a', content: 'abc' }]),
      Buffer.from('garbage after the end'),
    ]);
    expect(parse(buf).map((s) => s.entry.path)).toEqual(['a']);
  });

  it('throws too-large past the entry limit', async () => {
    const buf = await tarOf(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, content: '' })));
    expect(parse(buf, buf.length, { maxEntries: 20 })).toHaveLength(20);
    const e = lensError(() => parse(buf, buf.length, { maxEntries: 19 }));
    expect(e.code).toBe('too-large');
  });

  it('waits for asynchronous sinks (backpressure) before reading on', async () => {
    const buf = await tarOf([
      { name: 'a', size: 5000 },
      { name: 'b', content: 'bee' },
    ]);
    const order: string[] = [];
    const p = new TarParser(
      {
        entry: (e) => ({
          data: async (c) => {
            order.push(`${e.path}:${c.length}`);
            await new Promise((r) => setTimeout(r, 1));
          },
          end: () => void order.push(`${e.path}:end`),
        }),
      },
      { label: 't' },
    );
    for (let i = 0; i < buf.length; i += 1024) await p.write(buf.subarray(i, i + 1024));
    p.end();
    expect(order.at(-1)).toBe('b:end');
    expect(order.indexOf('a:end')).toBeLessThan(order.indexOf('b:3'));
  });
});

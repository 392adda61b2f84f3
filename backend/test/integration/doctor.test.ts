import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import {
  CORPUS,
  CORPUS_APP_DIR,
  CORPUS_DIR,
  expectedOutput,
  type CorpusEntry,
} from '../doctor-corpus/corpus.js';
import { APP_OUTPUT, ensureModuleProxy } from '../fixtures/goModules.js';
import { describeEngines, docker, dockerCli, type TestEngine } from '../support/engines.js';

/**
 * The doctor's promise, checked for real: for representative corpus Dockerfiles, `gocache-lens fix`
 * (run in-process against the engine, which supplies local image facts) gives a Dockerfile that builds
 * offline from the same context, runs with the same output, is no larger, and whose image holds no Go
 * cache in any layer. LENS_DOCTOR_CORPUS=all runs every buildable corpus entry instead of the default four.
 */

const ENTRIES: CorpusEntry[] =
  process.env.LENS_DOCTOR_CORPUS === 'all'
    ? CORPUS.filter((e) => e.build)
    : CORPUS.filter((e) => e.integration);

/** What the app prints under each entry: argv[0] and the greeting its runtime environment sets. */
const EXPECTED: Record<string, string> = {
  'official-readme': expectedOutput('app'),
  'private-proxy': APP_OUTPUT,
  'ci-merged-caches': expectedOutput('/app'),
  'alpine-scratch-cgo': expectedOutput('/go/bin/app'),
  heredoc: expectedOutput('/usr/local/bin/app', 'howdy'),
  'escape-directive': expectedOutput('app'),
  'cleanup-later': expectedOutput('app', 'bonjour'),
  'cleanup-wrong-path': expectedOutput('app'),
  'copy-go-dir': expectedOutput('/go/bin/corpusapp', 'hej'),
  'nonroot-builder': expectedOutput('/app'),
  'crlf-lowercase': expectedOutput('/app'),
  'clean-multistage': expectedOutput('/app'),
  'partial-mounts': expectedOutput('/app'),
};

/** Paths that only a Go module cache or build cache holds. */
const GO_CACHE_PATH =
  /(^|\/)(pkg\/mod\/cache\/download\/|[^/]*@v[0-9][^/]*\/|go-build\/[0-9a-f]{2}\/[0-9a-f]+-[ad]$|go-build\/(README|trim\.txt)$)/;

async function cli(
  args: string[],
  engine: TestEngine,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString('utf8'));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: { ...process.env, DOCKER_HOST: engine.host },
    cwd: process.cwd(),
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Names of every file in every layer of a saved image (either archive format, gzip or plain layers). */
async function layerPaths(engine: TestEngine, image: string): Promise<string[]> {
  const names: string[] = [];
  const outer = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    outer.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let sniffed: 'tar' | 'gzip' | 'other' | undefined;
      let inner: tar.Extract | undefined;
      let innerDone: Promise<void> = Promise.resolve();
      const startInner = (gzip: boolean) => {
        inner = tar.extract();
        innerDone = new Promise<void>((res, rej) => {
          inner!.on('entry', (h, s, n) => {
            names.push(h.name.replace(/^\.?\//, ''));
            s.on('end', n);
            s.resume();
          });
          inner!.on('finish', res);
          inner!.on('error', rej);
        });
        if (gzip) {
          const gunzip = createGunzip();
          gunzip.on('error', reject);
          gunzip.pipe(inner);
          return gunzip;
        }
        return inner;
      };
      let sink: NodeJS.WritableStream | undefined;
      stream.on('data', (chunk: unknown) => {
        const d = chunk as Buffer;
        if (sniffed === undefined) {
          chunks.push(d);
          const buf = Buffer.concat(chunks);
          if (buf.length < 512 && header.size !== undefined && buf.length < header.size) return;
          if (buf[0] === 0x1f && buf[1] === 0x8b) sniffed = 'gzip';
          else if (buf.length >= 262 && buf.toString('latin1', 257, 262) === 'ustar') sniffed = 'tar';
          else sniffed = 'other';
          if (sniffed !== 'other') {
            sink = startInner(sniffed === 'gzip');
            sink.write(buf);
          }
          return;
        }
        if (sink && !sink.write(d)) {
          stream.pause();
          sink.once('drain', () => stream.resume());
        }
      });
      stream.on('end', () => {
        if (sink) sink.end();
        void innerDone.then(() => next(), reject);
      });
      stream.on('error', reject);
    });
    outer.on('finish', resolve);
    outer.on('error', reject);
  });
  const child = spawn(dockerCli, ['-H', engine.host, 'save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.pipe(outer);
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  await done;
  const code = await exit;
  if (code !== 0) throw new Error(`docker save ${image} failed: ${err}`);
  return names;
}

function goCacheIn(paths: string[]): string[] {
  return paths.filter((p) => GO_CACHE_PATH.test(p));
}

function build(
  engine: TestEngine,
  dockerfile: string,
  context: string,
  tag: string,
  extra: string[] = [],
): void {
  docker(engine, ['build', '--network=none', '-q', ...extra, '-f', dockerfile, '-t', tag, context]);
}

/** Runs the image to completion and returns what it printed (read from the logs, not a racy attach). */
function run(engine: TestEngine, tag: string): string {
  const id = docker(engine, ['create', '--network=none', tag]).trim();
  try {
    docker(engine, ['start', id]);
    const status = docker(engine, ['wait', id]).trim();
    const out = docker(engine, ['logs', id]).trim();
    if (status !== '0') throw new Error(`${tag} exited with ${status}: ${out}`);
    return out;
  } finally {
    docker(engine, ['rm', '-f', id]);
  }
}

function size(engine: TestEngine, tag: string): number {
  return Number(docker(engine, ['image', 'inspect', '--format', '{{.Size}}', tag]).trim());
}

describeEngines('doctor: fixed Dockerfiles build offline, behave the same and ship no Go cache', (engine) => {
  const tags: string[] = [];
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'lens-doctor-it-'));
  });

  afterAll(() => {
    for (const t of tags) {
      try {
        docker(engine, ['rmi', '-f', t]);
      } catch {
        // already gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  for (const entry of ENTRIES) {
    it(`${entry.name}: original and fixed run alike; the fixed image is no larger and holds no Go cache`, async () => {
      const ctx = join(work, entry.name);
      const extra: string[] = [];
      if (entry.context === 'module-app') {
        const world = await ensureModuleProxy();
        cpSync(world.appDir, ctx, { recursive: true });
        extra.push('--build-context', `goproxy=${world.proxyDir}`);
      } else {
        cpSync(CORPUS_APP_DIR, ctx, { recursive: true });
      }
      const original = join(CORPUS_DIR, 'dockerfiles', `${entry.name}.Dockerfile`);
      const fixedFile = join(work, `${entry.name}.fixed.Dockerfile`);
      const tag = `lens-doctor-it/${entry.name}`;
      tags.push(`${tag}:original`, `${tag}:fixed`);

      build(engine, original, ctx, `${tag}:original`, extra);
      const before = run(engine, `${tag}:original`);
      expect(before).toBe(EXPECTED[entry.name]);

      const fix = await cli(['fix', original, '--context', ctx, '--write-dockerignore'], engine);
      expect(fix.code, fix.stderr).toBe(0);
      expect(fix.stdout).not.toBe(readFileSync(original, 'utf8'));
      writeFileSync(fixedFile, fix.stdout);
      // The fixed file is clean for every rule that has an automatic fix.
      const lint = await cli(
        ['lint', fixedFile, '--context', ctx, '--format', 'json', '--fail-on', 'none'],
        engine,
      );
      const left = (JSON.parse(lint.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
      expect(
        left.filter((r) => !['floating-base-tag', 'checksum-db-disabled', 'unpinned-go-install'].includes(r)),
      ).toEqual([]);

      build(engine, fixedFile, ctx, `${tag}:fixed`, extra);
      expect(run(engine, `${tag}:fixed`)).toBe(before);
      expect(size(engine, `${tag}:fixed`)).toBeLessThanOrEqual(size(engine, `${tag}:original`));
      const paths = await layerPaths(engine, `${tag}:fixed`);
      expect(paths.length).toBeGreaterThan(0);
      expect(goCacheIn(paths)).toEqual([]);

      if (entry.name === 'official-readme' || entry.name === 'private-proxy') {
        // The same check finds the caches the original ships (so it can fail).
        const shipped = goCacheIn(await layerPaths(engine, `${tag}:original`));
        expect(shipped.some((p) => /go-build\//.test(p))).toBe(true);
        if (entry.context === 'module-app')
          expect(shipped.some((p) => /pkg\/mod\/cache\/download\//.test(p))).toBe(true);
      }
    });
  }
});

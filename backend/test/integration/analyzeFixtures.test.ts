import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command as analyzeCommand } from '../../src/cli/analyzeCommand.js';
import { analyzeImage, archiveFileSource, type ImageSource } from '../../src/core/analyzeImage.js';
import type { AnalysisResult, FindingKind } from '../../src/core/analysisTypes.js';
import { ResultStore } from '../../src/core/store/resultStore.js';
import { connectEngine, type Engine } from '../../src/docker/engine.js';
import { engineImageSource } from '../../src/docker/imageSource.js';
import { describeEngines } from '../support/engines.js';
import { archiveTruth, type ArchiveTruth } from '../unit/analysis/support/truth.js';

// Every fixture pattern analysed through the engine export on both image stores, checked against what
// the exported layer tars really hold (computed independently with tar-stream).

const ROOTS = [
  '/go/pkg/mod',
  '/root/.cache/go-build',
  '/opt/gomod',
  '/var/cache/gobuild',
  '/home/builder/go/pkg/mod',
  '/home/builder/.cache/go-build',
];
const APP_MODULES = [
  'example.com/Libb@v1.0.0',
  'example.com/liba@v1.1.0',
  'example.com/libc@v2.0.0+incompatible',
];

describeEngines('analyze fixture images', (testEngine) => {
  let engine: Engine;
  let dir: string;
  let store: ResultStore;

  beforeAll(() => {
    engine = connectEngine(testEngine.host);
    dir = mkdtempSync(join(tmpdir(), 'lens-analyze-it-'));
    store = ResultStore.open(join(dir, 'store'));
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The engine source, counting exports and copying the export to a file for the reference. */
  function source(ref: string, copyTo?: string): ImageSource & { opens: number } {
    const inner = engineImageSource(engine, ref);
    const s = {
      ref,
      opens: 0,
      describe: (signal?: AbortSignal) => inner.describe(signal),
      async open(signal?: AbortSignal) {
        s.opens++;
        const opened = await inner.open(signal);
        if (!copyTo) return opened;
        const out = createWriteStream(copyTo);
        async function* tee() {
          try {
            for await (const c of opened.stream as AsyncIterable<Buffer>) {
              if (!out.write(c)) await once(out, 'drain');
              yield c;
            }
          } finally {
            out.end();
            await once(out, 'close');
          }
        }
        return { stream: Readable.from(tee()), totalBytes: opened.totalBytes };
      },
    };
    return s;
  }

  async function analyzeWithTruth(
    ref: string,
  ): Promise<{ result: AnalysisResult; truth: ArchiveTruth; file: string }> {
    const file = join(dir, `${ref.replace(/\W+/g, '_')}.tar`);
    const result = await analyzeImage(source(ref, file), { store, noCache: true });
    const truth = await archiveTruth(file, ROOTS);
    return { result, truth, file };
  }

  function kinds(r: AnalysisResult): FindingKind[] {
    return r.findings.map((f) => f.kind).sort();
  }

  function within1pct(actual: number, expected: number) {
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.01);
  }

  /** Every cache the analysis reports is really there with those bytes, and none is missed. */
  function checkAgainstTruth(r: AnalysisResult, truth: ArchiveTruth) {
    expect(r.layers).toHaveLength(truth.layers.length);
    r.layers.forEach((l, i) => {
      const t = truth.layers[i]!;
      expect(l.sizeBytes).toBe(t.totalBytes);
      for (const c of l.goCaches) {
        expect(ROOTS).toContain(c.root);
        within1pct(c.bytes, t.bytes[c.root]!);
        expect(c.files).toBe(t.files[c.root]);
      }
      for (const root of ROOTS) {
        if (t.files[root]! > 0)
          expect(
            l.goCaches.map((c) => c.root),
            `layer ${i} ${root}`,
          ).toContain(root);
      }
    });
  }

  function modulesOf(r: AnalysisResult): string[] {
    return [
      ...new Set(
        r.layers.flatMap((l) => l.goCaches.flatMap((c) => c.modules.map((m) => `${m.path}@${m.version}`))),
      ),
    ].sort();
  }

  it('single-stage: both caches in the final image, exact bytes, app modules; warm run does not export', async () => {
    const { result: r, truth, file } = await analyzeWithTruth('lens-fixture/single-stage:latest');
    checkAgainstTruth(r, truth);
    expect(kinds(r)).toEqual(['build-cache-in-image', 'module-cache-in-image']);
    expect(r.summary.polluted).toBe(true);
    expect(modulesOf(r)).toEqual(APP_MODULES);
    for (const m of r.layers.flatMap((l) => l.goCaches.flatMap((c) => c.modules)))
      expect(m.bytes).toBeGreaterThan(0);
    const modLayer = r.layers.find((l) => l.goCaches.some((c) => c.kind === 'module-cache'))!;
    expect(modLayer.createdBy).toMatch(/go mod download/);
    expect(r.summary.moduleCacheBytes).toBe(modLayer.goCaches[0]!.bytes);
    expect(r.summary.buildCacheBytes).toBeGreaterThan(0);
    expect(r.image.id).toMatch(/^sha256:[0-9a-f]{64}$/);

    const warmSource = source('lens-fixture/single-stage:latest');
    const warm = await analyzeImage(warmSource, { store });
    expect(warmSource.opens).toBe(0);
    expect(warm).toEqual(r);

    // The same export as a docker save archive file gives the same layers and findings.
    const fromFile = await analyzeImage(archiveFileSource(file), { store, noCache: true });
    expect(fromFile.layers).toEqual(r.layers);
    expect(fromFile.findings).toEqual(r.findings);
    expect(fromFile.image.ref).toBe('lens-fixture/single-stage:latest');
    rmSync(file);
  });

  it('multistage-clean: nothing ships, no findings', async () => {
    const r = await analyzeImage(source('lens-fixture/multistage-clean:latest'), { store });
    expect(r.findings).toEqual([]);
    expect(r.summary).toEqual({
      polluted: false,
      moduleCacheBytes: 0,
      buildCacheBytes: 0,
      wastedGoCacheBytes: 0,
    });
    expect(r.layers.flatMap((l) => l.goCaches)).toEqual([]);
  });

  for (const name of ['cleanup-later', 'cleanup-opaque']) {
    it(`${name}: deleted in a later layer, the bytes still ship`, async () => {
      const { result: r, truth, file } = await analyzeWithTruth(`lens-fixture/${name}:latest`);
      rmSync(file);
      checkAgainstTruth(r, truth);
      expect(r.summary.polluted).toBe(false);
      expect(kinds(r)).toEqual(['cache-deleted-later']);
      const last = r.layers.at(-1)!;
      const shipped = r.layers
        .slice(0, -1)
        .reduce((s, l) => s + l.goCaches.reduce((t, c) => t + c.bytes, 0), 0);
      expect(last.deletedGoCacheBytes).toBeGreaterThan(0);
      within1pct(last.deletedGoCacheBytes, shipped);
      expect(r.findings[0]!.layerIndex).toBe(last.index);
      expect(r.summary.wastedGoCacheBytes).toBe(shipped);
    });
  }

  it('custom-paths and nonroot: caches found where GOMODCACHE / GOCACHE / HOME put them', async () => {
    const custom = await analyzeWithTruth('lens-fixture/custom-paths:latest');
    rmSync(custom.file);
    checkAgainstTruth(custom.result, custom.truth);
    expect(custom.result.layers.flatMap((l) => l.goCaches.map((c) => c.root)).sort()).toEqual([
      '/opt/gomod',
      '/var/cache/gobuild',
    ]);
    expect(kinds(custom.result)).toEqual(['build-cache-in-image', 'module-cache-in-image']);
    expect(modulesOf(custom.result)).toEqual(APP_MODULES);

    const nonroot = await analyzeWithTruth('lens-fixture/nonroot:latest');
    rmSync(nonroot.file);
    checkAgainstTruth(nonroot.result, nonroot.truth);
    expect(nonroot.result.layers.flatMap((l) => l.goCaches.map((c) => c.root)).sort()).toEqual([
      '/home/builder/.cache/go-build',
      '/home/builder/go/pkg/mod',
    ]);
    expect(kinds(nonroot.result)).toEqual(['build-cache-in-image', 'module-cache-in-image']);
  });

  it('inherited: the base image module is foreign, and only it', async () => {
    const r = await analyzeImage(source('lens-fixture/inherited:latest'), { store });
    const foreign = r.findings.filter((f) => f.kind === 'foreign-modules');
    expect(foreign).toHaveLength(1);
    expect(foreign[0]!.modules).toEqual(['example.com/libd@v0.3.0']);
    expect(r.layers[foreign[0]!.layerIndex]!.goCaches[0]!.modules.map((m) => m.path)).toEqual([
      'example.com/libd',
    ]);
    expect(kinds(r)).toEqual(['build-cache-in-image', 'foreign-modules', 'module-cache-in-image']);
  });

  it('checksum-mismatch: the re-tagged liba in the cache disagrees with go.sum', async () => {
    const r = await analyzeImage(source('lens-fixture/checksum-mismatch:latest'), { store });
    const mm = r.findings.filter((f) => f.kind === 'checksum-mismatch');
    expect(mm).toHaveLength(1);
    expect(mm[0]!.modules).toEqual(['example.com/liba@v1.1.0']);
    expect(mm[0]!.severity).toBe('error');
  });

  it('no false alarms: vendored, decoy', async () => {
    for (const ref of ['lens-fixture/vendored:latest', 'lens-fixture/decoy:latest']) {
      const r = await analyzeImage(source(ref), { store });
      expect(r.findings, ref).toEqual([]);
      expect(r.summary.polluted).toBe(false);
      expect(r.layers.flatMap((l) => l.goCaches)).toEqual([]);
    }
  });

  it('insecure-env: the config switches verification off', async () => {
    const r = await analyzeImage(source('lens-fixture/insecure-env:latest'), { store });
    expect(kinds(r)).toEqual(['insecure-go-env']);
    expect(r.findings[0]!.env).toEqual([
      'GOSUMDB=off',
      'GOFLAGS=-insecure',
      'GOINSECURE=*',
      'GONOSUMDB=*',
      'GOPRIVATE=*',
    ]);
  });

  it('an image whose layers are all known is analysed from inspect + history, without exporting', async () => {
    await analyzeImage(source('lens-base/busybox:latest'), { store });
    const s = source('lens-fixture/insecure-env:latest');
    const r = await analyzeImage(s, { store });
    expect(s.opens).toBe(0);
    expect(kinds(r)).toEqual(['insecure-go-env']);
    expect(r.layers.map((l) => l.createdBy)).toEqual(
      (await analyzeImage(source('lens-base/busybox:latest'), { store })).layers.map((l) => l.createdBy),
    );
    // Exporting gives the same answer.
    const exported = await analyzeImage(source('lens-fixture/insecure-env:latest'), { store, noCache: true });
    expect(exported.layers).toEqual(r.layers);
    expect(exported.findings).toEqual(r.findings);
  });

  it('the CLI analyses an engine image: JSON on stdout and exit codes', async () => {
    const run = async (args: string[]) => {
      const out: Buffer[] = [];
      const stdout = new PassThrough();
      stdout.on('data', (c: Buffer) => out.push(c));
      const code = await analyzeCommand.run(args, {
        stdout,
        stderr: new PassThrough(),
        env: { DOCKER_HOST: testEngine.host, LENS_STORE: join(dir, 'store') },
        cwd: dir,
        signal: new AbortController().signal,
      });
      return { code, out: Buffer.concat(out).toString() };
    };
    const clean = await run(['lens-fixture/decoy:latest', '--format', 'json']);
    expect(clean.code).toBe(0);
    expect((JSON.parse(clean.out) as AnalysisResult).findings).toEqual([]);
    const polluted = await run(['lens-fixture/single-stage:latest', '--format', 'json']);
    expect(polluted.code).toBe(1);
    expect(kinds(JSON.parse(polluted.out) as AnalysisResult)).toEqual([
      'build-cache-in-image',
      'module-cache-in-image',
    ]);
  });
});

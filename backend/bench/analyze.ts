/**
 * Image analysis benchmark: for each engine (LENS_TEST_ENGINES, else DOCKER_HOST) and each image
 * (BENCH_IMAGES, default the large fixture images), prints the raw export time (the export stream read
 * to nowhere), the cold analysis time (empty result store), the warm analysis time (all layers known),
 * the peak RSS of the cold analyses, and the ratios cold/raw and warm/raw. Raw and cold runs alternate
 * (BENCH_ROUNDS each, best kept) so both see the same machine load.
 *
 *   npm run bench -w backend
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage } from '../src/core/analyzeImage.js';
import { humanBytes } from '../src/core/findings/humanBytes.js';
import { ResultStore } from '../src/core/store/resultStore.js';
import { connectEngine, type Engine } from '../src/docker/engine.js';
import { engineImageSource } from '../src/docker/imageSource.js';

const DEFAULT_IMAGES = [
  'lens-fixture/single-stage:latest',
  'lens-fixture/inherited:latest',
  'lens-fixture/large:latest',
];
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const WARM_ROUNDS = 5;

interface Row {
  engine: string;
  image: string;
  exportBytes: number;
  raw: number;
  cold: number;
  warm: number;
  peakRssMb: number;
  /** CPU seconds of this process (all threads, decompression included) in the fastest cold run. */
  coldCpu: number;
}

function engineAddresses(): string[] {
  const list = process.env.LENS_TEST_ENGINES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list && list.length > 0) return list;
  return [process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'];
}

async function storeKind(engine: Engine): Promise<string> {
  const info = await engine.request<{ DriverStatus?: [string, string][] | null; Driver?: string }>({
    method: 'GET',
    path: '/info',
  });
  const snapshotter = JSON.stringify(info.DriverStatus ?? []).includes('io.containerd.snapshotter');
  return snapshotter ? 'containerd' : (info.Driver ?? 'classic');
}

async function exists(engine: Engine, ref: string): Promise<boolean> {
  try {
    await engine.request({ method: 'GET', path: `/images/${encodeURIComponent(ref)}/json` });
    return true;
  } catch {
    return false;
  }
}

async function rawExport(engine: Engine, ref: string): Promise<{ seconds: number; bytes: number }> {
  const t = performance.now();
  const res = await engine.stream({ method: 'GET', path: `/images/${encodeURIComponent(ref)}/get` });
  let bytes = 0;
  for await (const c of res) bytes += (c as Buffer).length;
  return { seconds: (performance.now() - t) / 1000, bytes };
}

/** Runs `fn` while sampling the RSS; returns its time and the highest RSS seen. */
async function measured(
  fn: () => Promise<unknown>,
): Promise<{ seconds: number; peakRss: number; cpu: number }> {
  let peak = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t) / 1000, peakRss: peak, cpu: (cpu.user + cpu.system) / 1e6 };
}

async function benchImage(engine: Engine, kind: string, ref: string): Promise<Row> {
  let raw = Infinity;
  let cold = Infinity;
  let coldCpu = 0;
  let exportBytes = 0;
  let peak = 0;
  let lastStore: string | undefined;
  for (let i = 0; i < ROUNDS; i++) {
    const r = await rawExport(engine, ref);
    raw = Math.min(raw, r.seconds);
    exportBytes = r.bytes;
    if (lastStore) rmSync(lastStore, { recursive: true, force: true });
    lastStore = mkdtempSync(join(tmpdir(), 'lens-bench-'));
    const store = ResultStore.open(lastStore);
    try {
      global.gc?.();
      const c = await measured(() => analyzeImage(engineImageSource(engine, ref), { store }));
      if (c.seconds < cold) coldCpu = c.cpu;
      cold = Math.min(cold, c.seconds);
      peak = Math.max(peak, c.peakRss);
    } finally {
      store.close();
    }
  }
  const store = ResultStore.open(lastStore!);
  const warmTimes: number[] = [];
  try {
    for (let i = 0; i < WARM_ROUNDS; i++) {
      const w = await measured(() => analyzeImage(engineImageSource(engine, ref), { store }));
      warmTimes.push(w.seconds);
    }
  } finally {
    store.close();
    rmSync(lastStore!, { recursive: true, force: true });
  }
  warmTimes.sort((a, b) => a - b);
  return {
    engine: kind,
    image: ref,
    exportBytes,
    raw,
    cold,
    warm: warmTimes[Math.floor(warmTimes.length / 2)]!,
    peakRssMb: peak / (1024 * 1024),
    coldCpu,
  };
}

async function main(): Promise<void> {
  const images =
    process.env.BENCH_IMAGES?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? DEFAULT_IMAGES;
  const rows: Row[] = [];
  process.stdout.write(
    `GoCache Lens analysis benchmark: ${ROUNDS} round(s), best of; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  for (const address of engineAddresses()) {
    const engine = connectEngine(address);
    const kind = await storeKind(engine);
    for (const ref of images) {
      if (!(await exists(engine, ref))) {
        process.stdout.write(`  [${kind}] ${ref}: not on this engine, skipped\n`);
        continue;
      }
      const row = await benchImage(engine, kind, ref);
      rows.push(row);
      process.stdout.write(
        `  [${kind}] ${ref}: raw ${row.raw.toFixed(2)} s, cold ${row.cold.toFixed(2)} s, warm ${row.warm.toFixed(3)} s\n`,
      );
    }
  }
  const header = [
    'engine',
    'image',
    'export',
    'raw s',
    'cold s',
    'warm s',
    'peak RSS',
    'cold/raw',
    'warm/raw',
    'cold CPU s',
  ];
  const table = rows.map((r) => [
    r.engine,
    r.image,
    humanBytes(r.exportBytes),
    r.raw.toFixed(2),
    r.cold.toFixed(2),
    r.warm.toFixed(3),
    `${r.peakRssMb.toFixed(0)} MB`,
    (r.cold / r.raw).toFixed(2),
    (r.warm / r.raw).toFixed(3),
    r.coldCpu.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const t of table) process.stdout.write(`${line(t)}\n`);
  process.stdout.write(
    `\nload average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});

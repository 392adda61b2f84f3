import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/**
 * Browser-test setup: builds the page, makes sure the fixture images exist on the first engine of
 * LENS_TEST_ENGINES, and starts the real backend (`gocache-lens serve --port 0`) against that engine with
 * a fresh result store. Without an engine the tests skip locally and fail in CI.
 */

export interface BrowserEnv {
  /** The page URL with its token, as `serve` printed it; empty when the tests are skipped. */
  url: string;
  engine: string;
  /** Why the tests are skipped, when they are. */
  skip?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    lensBrowser: BrowserEnv;
  }
}

const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const repoDir = resolve(uiDir, '..');
const backendDir = join(repoDir, 'backend');
const NO_ENGINE =
  'no Docker engine configured: set LENS_TEST_ENGINES=unix:///path/a.sock[,…] (scripts/engines.sh start prints it)';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the backend when its compiled entry point is missing or older than its sources. */
function ensureBackendBuilt(log: (s: string) => void): void {
  const entry = join(backendDir, 'dist', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(backendDir, 'src'))) return;
  log('building the backend (npm run build -w backend)');
  try {
    execFileSync('npm', ['run', 'build', '-w', 'backend'], { cwd: repoDir, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    // tsc still writes its output on type errors elsewhere; the entry point is what matters.
    if (!existsSync(entry)) throw e;
    log(
      `backend build reported errors; using the emitted files:\n${String((e as { stdout?: string }).stdout ?? '').slice(0, 2000)}`,
    );
  }
}

async function buildUi(log: (s: string) => void): Promise<void> {
  log('building the page (vite build)');
  const { build } = await import('vite');
  await build({ root: uiDir, logLevel: 'warn', configFile: join(uiDir, 'vite.config.ts') });
}

export function startBackend(
  engine: string,
  storeDir: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [join(backendDir, 'bin', 'gocache-lens.js'), 'serve', '--port', '0', '--ui-dir', join(uiDir, 'dist')],
    {
      cwd: repoDir,
      env: { ...process.env, DOCKER_HOST: engine, LENS_STORE: storeDir, LENS_SOCKET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the backend printed no URL within 60 s; stderr:\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the backend exited with ${code} before printing its URL; stderr:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      if (!/^http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(line)) {
        child.kill('SIGTERM');
        reject(new Error(`unexpected first line from serve: ${line}`));
      } else resolveStart({ child, url: line.trim() });
    });
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const log = (s: string) => process.stderr.write(`[browser setup] ${s}\n`);
  const engine = process.env.LENS_TEST_ENGINES?.split(',')
    .map((s) => s.trim())
    .find(Boolean);
  if (!engine) {
    if (process.env.CI) throw new Error(`browser tests in CI need an engine: ${NO_ENGINE}`);
    log(`skipped: ${NO_ENGINE}`);
    project.provide('lensBrowser', { url: '', engine: '', skip: NO_ENGINE });
    return undefined;
  }
  if (!existsSync('/usr/bin/chromium') && !process.env.LENS_CHROMIUM) {
    throw new Error('browser tests need Chromium at /usr/bin/chromium (or LENS_CHROMIUM)');
  }
  ensureBackendBuilt(log);
  await buildUi(log);
  // The fixture images the tests open (idempotent: kept when their inputs did not change).
  const { ensureFixtures } = await import('../../../backend/test/fixtures/fixtureImages.js');
  const started = Date.now();
  await ensureFixtures({ host: engine }, (s) => log(`fixtures: ${s}`));
  log(`fixture images ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const storeDir = mkdtempSync(join(tmpdir(), 'lens-ui-store-'));
  const { child, url } = await startBackend(engine, storeDir);
  log(`backend at ${url.replace(/token=.*/, 'token=…')} on ${engine}`);
  project.provide('lensBrowser', { url, engine });
  return async () => {
    await new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => {
        child.kill('SIGKILL');
        done();
      }, 10_000).unref();
    });
    rmSync(storeDir, { recursive: true, force: true });
  };
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/** A real Docker engine the integration tests run against. */
export interface TestEngine {
  /** `unix:///…/x.sock`, as given in LENS_TEST_ENGINES. */
  host: string;
  store: 'containerd' | 'overlay2';
}

/** The docker CLI that matches the test engines (and finds buildx), overridable with LENS_DOCKER_CLI. */
export const dockerCli: string =
  process.env.LENS_DOCKER_CLI ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');

export function engineStore(host: string): 'containerd' | 'overlay2' {
  const out = execFileSync(dockerCli, ['-H', host, 'info', '--format', '{{json .DriverStatus}}'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return out.includes('io.containerd.snapshotter') ? 'containerd' : 'overlay2';
}

function loadEngines(): TestEngine[] {
  const raw = process.env.LENS_TEST_ENGINES?.trim();
  if (!raw) return [];
  return raw
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((host) => ({ host, store: engineStore(host) }));
}

/** Engines named by LENS_TEST_ENGINES (comma-separated engine addresses), with their image store. */
export const engines: TestEngine[] = loadEngines();

export const NO_ENGINE_MESSAGE =
  'no Docker engine configured: set LENS_TEST_ENGINES=unix:///path/a.sock,unix:///path/b.sock (scripts/engines.sh start prints it)';

/**
 * Runs `fn` once per configured engine. Without engines the suite is skipped locally with a clear
 * message; in CI the global setup has already failed the run.
 */
export function describeEngines(title: string, fn: (engine: TestEngine) => void): void {
  if (engines.length === 0) {
    describe.skip(`${title} (${NO_ENGINE_MESSAGE})`, () => {
      it.skip('needs a real engine', () => undefined);
    });
    return;
  }
  for (const engine of engines) {
    describe(`${title} [${engine.store}]`, () => fn(engine));
  }
}

/** Runs the docker CLI against an engine and returns stdout; throws with stderr on failure. */
export function docker(
  engine: TestEngine,
  args: string[],
  opts: { input?: string; cwd?: string } = {},
): string {
  return execFileSync(dockerCli, ['-H', engine.host, ...args], {
    encoding: 'utf8',
    input: opts.input,
    cwd: opts.cwd,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

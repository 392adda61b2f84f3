import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureNodeBases } from '../fixtures/nodeBase.js';
import { docker, dockerCli, engines, NO_ENGINE_MESSAGE, type TestEngine } from '../support/engines.js';

/**
 * The Docker Desktop extension image, proven without Docker Desktop: built offline from this machine's
 * build output (`scripts/extension.sh build --prebuilt`) on the containerd-store engine (Docker Desktop's
 * default), validated, and its backend run the way Docker Desktop runs it: the command, environment and
 * volumes of docker-compose.yaml, /run/guest-services from the host, no network.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE = 'gocache-lens/desktop-extension:test';
const FIXTURE = 'lens-fixture/single-stage:latest';
const MAX_UNCOMPRESSED_BYTES = 150e6;
const engine: TestEngine | undefined = engines.find((e) => e.store === 'containerd') ?? engines[0];

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 900_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function script(e: TestEngine, args: string[]): Promise<RunResult> {
  return sh('bash', ['scripts/extension.sh', ...args], {
    DOCKER: dockerCli,
    DOCKER_HOST: e.host,
    LENS_EXTENSION_IMAGE: IMAGE,
  });
}

/** The backend service of docker-compose.yaml, read strictly: an unexpected shape fails the test. */
interface ComposeService {
  image: string;
  command: string[];
  environment: string[];
  volumes: { source: string; target: string }[];
  namedVolumes: string[];
}

function readCompose(text: string): ComposeService {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const topVolumes = lines.indexOf('volumes:');
  const serviceLines = lines.slice(
    lines.indexOf('services:') + 1,
    topVolumes === -1 ? undefined : topVolumes,
  );
  if (serviceLines.filter((l) => /^ {2}\S/.test(l)).length !== 1)
    throw new Error('docker-compose.yaml: expected exactly one service');
  const svc: ComposeService = { image: '', command: [], environment: [], volumes: [], namedVolumes: [] };
  let list: 'command' | 'environment' | 'volumes' | undefined;
  for (const line of serviceLines.slice(1)) {
    const key = /^ {4}(\w+):\s*(.*)$/.exec(line);
    if (key) {
      list = undefined;
      const [, name, value] = key;
      if (name === 'image') svc.image = value!;
      else if ((name === 'command' || name === 'environment' || name === 'volumes') && value === '')
        list = name;
      else throw new Error(`docker-compose.yaml: unexpected key ${name}`);
      continue;
    }
    const item = /^ {6}- (.+)$/.exec(line);
    if (!item || !list) throw new Error(`docker-compose.yaml: unexpected line ${JSON.stringify(line)}`);
    if (list === 'command') svc.command.push(item[1]!);
    else if (list === 'environment') svc.environment.push(item[1]!);
    else {
      const [source, target, ...rest] = item[1]!.split(':');
      if (!source || !target || rest.length > 1)
        throw new Error(`docker-compose.yaml: bad volume ${item[1]}`);
      svc.volumes.push({ source, target });
    }
  }
  if (topVolumes !== -1) {
    for (const l of lines.slice(topVolumes + 1)) {
      const m = /^ {2}([\w.-]+):\s*$/.exec(l);
      if (m) svc.namedVolumes.push(m[1]!);
    }
  }
  return svc;
}

function api(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
          } catch {
            reject(new Error(`${method} ${path}: ${res.statusCode} non-JSON answer: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitFor<T>(
  what: () => string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Reads files of the image from a created, never started, container. */
function imageFiles(e: TestEngine, image: string): { text(p: string): string | undefined; close(): void } {
  const cid = docker(e, ['create', '--entrypoint', '', image, 'none']).trim();
  return {
    text(p) {
      let tar: Buffer;
      try {
        tar = execFileSync(dockerCli, ['-H', e.host, 'cp', `${cid}:${p}`, '-'], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        return undefined;
      }
      return execFileSync('tar', ['-xOf', '-'], { input: tar }).toString('utf8');
    },
    close: () => void docker(e, ['rm', cid]),
  };
}

const describeOnEngine = engine ? describe : describe.skip;

describeOnEngine(`extension image [${engine?.store ?? NO_ENGINE_MESSAGE}]`, () => {
  const e = engine!;
  let build: RunResult;

  beforeAll(async () => {
    if (
      !existsSync(join(ROOT, 'backend/dist/cli/main.js')) ||
      !existsSync(join(ROOT, 'ui/dist/index.html'))
    ) {
      const r = await sh('npm', ['run', 'build']);
      if (r.code !== 0) throw new Error(`npm run build failed:\n${r.stderr.slice(-2000)}`);
    }
    await ensureNodeBases(e, (s) => process.stderr.write(`[node bases ${e.store}] ${s}\n`));
    build = await script(e, ['build', '--prebuilt']);
    process.stderr.write(
      build.stderr
        .split('\n')
        .filter((l) => l.startsWith('extension.sh:'))
        .join('\n') + '\n',
    );
  }, 1_200_000);

  it('builds offline from the prebuilt output', () => {
    expect(build.code, build.stderr.slice(-3000)).toBe(0);
    expect(build.stderr).toMatch(/building .* for linux\//);
  });

  it('passes validate: every Marketplace label, metadata.json and the files it names', async () => {
    const r = await script(e, ['validate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('valid extension image');
  });

  it('validate rejects an image without labels, with a bad metadata.json', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'lens-ext-bad-'));
    const bad = `gocache-lens/desktop-extension:bad-${randomBytes(3).toString('hex')}`;
    try {
      writeFileSync(
        join(ctx, 'metadata.json'),
        JSON.stringify({
          icon: 'missing.svg',
          ui: { 'dashboard-tab': { title: 'x', root: '/ui', src: 'index.html' } },
        }),
      );
      docker(e, ['build', '--network=none', '-q', '-t', bad, '-f', '-', ctx], {
        input:
          'FROM scratch\nCOPY metadata.json /\nLABEL org.opencontainers.image.title="x" com.docker.desktop.extension.api.version="latest"\n',
      });
      const r = await script(e, ['validate', bad]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('required label com.docker.extension.screenshots is missing');
      expect(r.stderr).toContain('api.version is not a version or constraint');
      expect(r.stderr).toContain('icon missing.svg is not in the image');
      expect(r.stderr).toContain('the UI entry /ui/index.html is not in the image');
    } finally {
      rmSync(ctx, { recursive: true, force: true });
      docker(e, ['rmi', '-f', bad]);
    }
  });

  it('carries the UI files metadata.json names', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'metadata.json'), 'utf8')) as {
      icon: string;
      ui: { 'dashboard-tab': { root: string; src: string } };
    };
    const files = imageFiles(e, IMAGE);
    try {
      const tab = meta.ui['dashboard-tab'];
      const index = files.text(`${tab.root}/${tab.src}`);
      expect(index, `${tab.root}/${tab.src}`).toBeDefined();
      const assets = [...index!.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThan(0);
      for (const a of assets) expect(files.text(`${tab.root}/${a}`), a).toBeDefined();
      expect(files.text(`/${meta.icon}`)).toContain('<svg');
      expect(files.text('/metadata.json')).toContain('"dashboard-tab"');
    } finally {
      files.close();
    }
  });

  it('runs its backend as Docker Desktop would and analyses an image over the socket', async () => {
    const compose = readCompose(readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8'));
    expect(compose.image).toBe('${DESKTOP_PLUGIN_IMAGE}');
    const meta = JSON.parse(readFileSync(join(ROOT, 'metadata.json'), 'utf8')) as {
      vm: { exposes: { socket: string } };
    };
    expect(compose.command).toContain(`/run/guest-services/${meta.vm.exposes.socket}`);

    const guest = mkdtempSync(join(tmpdir(), 'lens-guest-'));
    const suffix = randomBytes(4).toString('hex');
    const name = `lens-extension-test-${suffix}`;
    const volumes: string[] = [];
    const args = ['run', '-d', '--name', name, '--network=none', '-v', `${guest}:/run/guest-services`];
    for (const v of compose.volumes) {
      if (v.source === '/var/run/docker.sock.raw')
        args.push('-v', `${e.host.replace(/^unix:\/\//, '')}:${v.target}`);
      else if (compose.namedVolumes.includes(v.source)) {
        const vol = `${v.source}-test-${suffix}`;
        docker(e, ['volume', 'create', vol]);
        volumes.push(vol);
        args.push('-v', `${vol}:${v.target}`);
      } else
        throw new Error(
          `docker-compose.yaml mounts ${v.source}, which this test does not know how to provide`,
        );
    }
    for (const env of compose.environment) args.push('-e', env);
    const logs = () => {
      const state = execErr(() =>
        docker(e, ['inspect', '--format', '{{.State.Status}}, exit {{.State.ExitCode}}', name]).trim(),
      );
      const out = spawnSync(dockerCli, ['-H', e.host, 'logs', name], { encoding: 'utf8' });
      return ` (container ${state}; its log: ${`${out.stdout}${out.stderr}`.slice(-2000)})`;
    };
    try {
      docker(e, [...args, IMAGE, ...compose.command]);
      const socket = join(guest, meta.vm.exposes.socket);
      await waitFor(
        () => `the backend's socket${logs()}`,
        60_000,
        async () => {
          if (existsSync(socket)) return true;
          const state = docker(e, ['inspect', '--format', '{{.State.Status}}', name]).trim();
          if (state !== 'running') throw new Error(`the backend stopped before listening${logs()}`);
          return undefined;
        },
      );

      const health = await api(socket, 'GET', '/api/health');
      expect(health.status, JSON.stringify(health.json)).toBe(200);
      const h = health.json as {
        engine: { reachable: boolean; imageStore?: string };
        server: { mode: string };
      };
      expect(h.engine.reachable).toBe(true);
      expect(h.server.mode).toBe('extension');

      const started = Date.now();
      const start = await api(socket, 'POST', '/api/analyses', { image: FIXTURE, noCache: true });
      expect(start.status, JSON.stringify(start.json)).toBe(202);
      const jobId = (start.json as { id: string }).id;
      const job = await waitFor(
        () => `analysis ${jobId}${logs()}`,
        240_000,
        async () => {
          const r = await api(socket, 'GET', `/api/analyses/${encodeURIComponent(jobId)}`);
          const j = r.json as {
            status: string;
            error?: unknown;
            result?: { summary: { polluted: boolean } };
          };
          return ['done', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
        },
      );
      expect(job.status, JSON.stringify(job.error ?? {}) + logs()).toBe('done');
      expect(job.result?.summary.polluted).toBe(true);
      process.stderr.write(
        `extension backend analysed ${FIXTURE} over its socket in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );

      // The result store lives in the named volume, where LENS_STORE points.
      const stored = await api(socket, 'GET', `/api/analyses?image=${encodeURIComponent(FIXTURE)}`);
      expect((stored.json as { analyses: unknown[] }).analyses.length).toBeGreaterThan(0);
    } finally {
      execErr(() => docker(e, ['rm', '-f', name]));
      for (const v of volumes) execErr(() => docker(e, ['volume', 'rm', '-f', v]));
      rmSync(guest, { recursive: true, force: true });
    }
  });

  it(`is under ${MAX_UNCOMPRESSED_BYTES / 1e6} MB uncompressed`, () => {
    const layers = docker(e, ['history', '--human=false', '--format', '{{.Size}}', IMAGE])
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const unpacked = layers.reduce((a, b) => a + b, 0);
    const reported = Number(docker(e, ['image', 'inspect', '--format', '{{.Size}}', IMAGE]).trim());
    process.stderr.write(
      `extension image ${IMAGE}: ${(unpacked / 1e6).toFixed(1)} MB uncompressed, engine reports ${(reported / 1e6).toFixed(1)} MB [${e.store}]\n`,
    );
    expect(unpacked).toBeGreaterThan(50e6);
    expect(unpacked).toBeLessThan(MAX_UNCOMPRESSED_BYTES);
  });
});

function execErr(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    return String(err);
  }
}

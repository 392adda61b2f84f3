import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { ResultStore } from '../../src/core/store/resultStore.js';
import { connectEngine } from '../../src/docker/engine.js';
import { createServer } from '../../src/http/server.js';
import { engineAnalyzer } from '../../src/jobs/engineAnalyzer.js';
import { BUSYBOX_BASE } from '../fixtures/fixtureImages.js';
import { describeEngines, docker, dockerCli, type TestEngine } from '../support/engines.js';

// `gocache-lens serve` as a process: extension mode listens on its unix socket and on no TCP port,
// standalone mode on 127.0.0.1 only; and a backend whose engine is killed mid-analysis fails that job
// with a clear message and keeps serving (a throwaway third engine, started and killed here).

const backendDir = fileURLToPath(new URL('../../', import.meta.url));
const serveModule = pathToFileURL(join(backendDir, 'src/cli/serveCommand.ts')).href;

interface Served {
  child: ChildProcess;
  firstLine: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Runs the serve command in a child process, as `main` would; resolves with its first stdout line. */
async function serve(args: string[], env: Record<string, string>): Promise<Served> {
  const script = `
import { command } from ${JSON.stringify(serveModule)};
const ac = new AbortController();
for (const s of ['SIGINT', 'SIGTERM']) process.once(s, () => ac.abort());
try {
  process.exitCode = await command.run(JSON.parse(process.env.LENS_TEST_ARGS), {
    stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: ac.signal,
  });
} catch (e) {
  process.stderr.write('gocache-lens serve: ' + e.message + '\\n');
  process.exitCode = 2;
}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: backendDir,
    env: { ...process.env, ...env, LENS_TEST_ARGS: JSON.stringify(args) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout! });
  const firstLine = await Promise.race([
    new Promise<string>((r) => lines.once('line', r)),
    exit.then((code) => `exited ${code}: ${err}`),
    new Promise<string>((r) => setTimeout(() => r(`no output in 60 s: ${err}`), 60_000)),
  ]);
  return { child, firstLine, stderr: () => err, exit };
}

/** Socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  return out;
}

/** Listening TCP sockets (v4 and v6) as `inode -> local address`. */
function tcpListeners(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A') out.set(f[9]!, f[1]!);
    }
  }
  return out;
}

function unixSocketPaths(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8) out.set(f[6]!, f[7]!);
  }
  return out;
}

function get(
  target: { socketPath: string } | { port: number },
  path: string,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(
      { ...('port' in target ? { host: '127.0.0.1' } : {}), ...target, path, headers },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describeEngines('serve command', (testEngine: TestEngine) => {
  it('extension mode serves the API on its unix socket only, and cleans up on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-serve-'));
    const socketPath = join(dir, 'lens.sock');
    try {
      const s = await serve(['--socket', socketPath, '--engine', testEngine.host], {
        LENS_STORE: join(dir, 'store'),
      });
      try {
        expect(s.firstLine).toBe(`unix://${socketPath}`);
        const health = await get({ socketPath }, '/api/health', { host: 'localhost' });
        expect(health.status).toBe(200);
        expect(JSON.parse(health.text)).toMatchObject({
          engine: { reachable: true, imageStore: testEngine.store },
          server: { mode: 'extension' },
        });
        const inodes = socketInodes(s.child.pid!);
        const unix = unixSocketPaths();
        expect([...inodes].map((i) => unix.get(i))).toContain(socketPath);
        const listening = tcpListeners();
        expect([...inodes].filter((i) => listening.has(i))).toEqual([]);
        // A second server on the same live socket is refused.
        const second = await serve(['--socket', socketPath, '--engine', testEngine.host], {
          LENS_STORE: join(dir, 'store2'),
        });
        expect(await second.exit).toBe(2);
        expect(second.stderr()).toMatch(/another server is listening on/);
      } finally {
        s.child.kill('SIGTERM');
        expect(await s.exit).toBe(0);
      }
      expect(existsSync(socketPath)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('standalone mode listens on 127.0.0.1 only and prints the URL with its token first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-serve-'));
    try {
      const s = await serve(['--port', '0', '--engine', testEngine.host, '--ui-dir', join(dir, 'no-ui')], {
        LENS_STORE: join(dir, 'store'),
      });
      try {
        const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)$/.exec(s.firstLine);
        expect(m, s.firstLine).not.toBeNull();
        const port = Number(m![1]);
        const listening = tcpListeners();
        const mine = [...socketInodes(s.child.pid!)]
          .filter((i) => listening.has(i))
          .map((i) => listening.get(i));
        expect(mine).toEqual([`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`]);
        const host = { host: `127.0.0.1:${port}` };
        expect((await get({ port }, '/api/health', host)).status).toBe(403);
        expect((await get({ port }, `/api/health?token=${m![2]}`, host)).status).toBe(200);
        const page = await get({ port }, `/?token=${m![2]}`, host);
        expect(page.status).toBe(200);
        expect(page.text).toMatch(/not built/);
      } finally {
        s.child.kill('SIGINT');
        expect(await s.exit).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with exit 2 and one line', async () => {
    for (const args of [['--port', '99999'], ['--port', '1', '--socket', '/tmp/x.sock'], ['extra']]) {
      const s = await serve(args, {});
      expect(await s.exit, args.join(' ')).toBe(2);
      expect(s.stderr().trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

// ---------------------------------------------------------------------------------------------------

function dockerdBinary(): string {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' }).trim() || '/usr/sbin/dockerd'
    );
  } catch {
    return '/usr/sbin/dockerd';
  }
}

async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops whatever a throwaway engine left: its processes, mounts under its directory, the directory. */
async function destroyEngine(dir: string, dockerd: ChildProcess): Promise<void> {
  const pids = [
    dockerd.pid,
    ...['exec/containerd/containerd.pid'].map((f) => {
      try {
        return Number(readFileSync(join(dir, f), 'utf8').trim());
      } catch {
        return undefined;
      }
    }),
  ].filter((p): p is number => typeof p === 'number' && p > 0);
  for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  await until('engine processes to exit', 30_000, () => (pids.some(pidAlive) ? undefined : true)).catch(
    () => undefined,
  );
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', [m]);
    } catch {
      execFileSync('umount', ['-l', m]);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

describeEngines('backend when its engine dies', (testEngine: TestEngine) => {
  it('fails the running analysis with a clear message and keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-e-'));
    const sock = join(dir, 'd.sock');
    const host = `unix://${sock}`;
    const third: TestEngine = { host, store: testEngine.store };
    writeFileSync(
      join(dir, 'cfg.json'),
      JSON.stringify({ features: { 'containerd-snapshotter': testEngine.store === 'containerd' } }),
    );
    const ns = `lens-e-${process.pid}-${Date.now().toString(36)}`;
    const log = openSync(join(dir, 'dockerd.log'), 'a');
    const dockerd = spawn(
      dockerdBinary(),
      [
        '-H',
        host,
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'd.pid'),
        '--config-file',
        join(dir, 'cfg.json'),
        '--containerd-namespace',
        ns,
        '--containerd-plugins-namespace',
        `${ns}-plugins`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
      ],
      { stdio: ['ignore', log, log] },
    );
    let server: Awaited<ReturnType<typeof createServer>> | undefined;
    let store: ResultStore | undefined;
    try {
      await until('the third engine', 60_000, () => {
        try {
          docker(third, ['info', '--format', '{{.ServerVersion}}']);
          return true;
        } catch {
          return undefined;
        }
      });
      // A just-started engine may still refuse a load for a moment: a few tries.
      for (let attempt = 1; ; attempt++) {
        try {
          execFileSync(
            'sh',
            [
              '-c',
              '"$0" -H "$1" save "$2" | "$0" -H "$3" load -q',
              dockerCli,
              testEngine.host,
              BUSYBOX_BASE,
              host,
            ],
            { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
          );
          break;
        } catch (e) {
          if (attempt >= 5)
            throw new Error(`docker save | docker load failed: ${(e as { stderr?: string }).stderr ?? e}`);
          process.stderr.write(
            `[engine-loss] load attempt ${attempt} failed: ${(e as { stderr?: string }).stderr ?? e}\n`,
          );
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      // Incompressible bytes, so the export takes long enough to be cut in the middle.
      const ctx = join(dir, 'ctx');
      mkdirSync(ctx);
      docker(third, ['build', '--network=none', '-q', '-t', 'lens-loss/big:latest', '-f', '-', ctx], {
        input: `FROM ${BUSYBOX_BASE}\nRUN head -c 200000000 /dev/urandom > /blob\n`,
      });

      const engine = connectEngine(host);
      store = ResultStore.open(join(dir, 'store'));
      server = await createServer({
        mode: 'extension',
        socketPath: join(dir, 'lens.sock'),
        engine,
        store,
        analyze: engineAnalyzer(engine, store),
      });
      const app = server.app;
      const post = await app.inject({
        method: 'POST',
        url: '/api/analyses',
        payload: { image: 'lens-loss/big:latest' },
      });
      expect(post.statusCode).toBe(202);
      const id = post.json<{ id: string }>().id;
      const running = await until('the export to be under way', 60_000, async () => {
        const job = (await app.inject({ url: `/api/analyses/${id}` })).json<{
          status: string;
          progress: { bytesRead: number };
        }>();
        if (job.status !== 'queued' && job.status !== 'running')
          throw new Error(`job ended before the engine was killed: ${JSON.stringify(job)}`);
        return job.status === 'running' && job.progress.bytesRead > 0 ? job : undefined;
      });
      expect(running.progress.bytesRead).toBeGreaterThan(0);
      process.kill(dockerd.pid!, 'SIGKILL');

      const failed = await until('the job to fail', 60_000, async () => {
        const job = (await app.inject({ url: `/api/analyses/${id}` })).json<{
          status: string;
          error?: { code: string; message: string };
        }>();
        return job.status === 'running' ? undefined : job;
      });
      expect(failed.status).toBe('failed');
      expect(failed.error!.code).toBe('engine-unavailable');
      expect(failed.error!.message).toContain(`Docker engine at ${host}`);
      expect(failed.error!.message.split('\n')).toHaveLength(1);

      // The server keeps serving: health says the engine is gone, engine-backed routes answer 503.
      const health = await app.inject({ url: '/api/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({ engine: { reachable: false, address: host } });
      expect(health.json<{ engine: { error: string } }>().engine.error).toMatch(/not reachable/);
      const images = await app.inject({ url: '/api/images' });
      expect(images.statusCode).toBe(503);
      expect(images.json()).toEqual({
        error: { code: 'engine-unavailable', message: expect.stringMatching(/not reachable/) },
      });
      const again = await app.inject({
        method: 'POST',
        url: '/api/analyses',
        payload: { image: 'lens-loss/big:latest' },
      });
      expect(again.statusCode).toBe(503);
      expect((await app.inject({ url: '/api/openapi.json' })).statusCode).toBe(200);
    } finally {
      await server?.close();
      store?.close();
      await destroyEngine(dir, dockerd);
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseImages, fixDockerfile, lintDockerfile } from '../../src/core/doctor/index.js';
import { ResultStore } from '../../src/core/store/resultStore.js';
import { connectEngine, type Engine } from '../../src/docker/engine.js';
import { createServer, type LensServer } from '../../src/http/server.js';
import { engineAnalyzer } from '../../src/jobs/engineAnalyzer.js';
import { describeEngines, docker, type TestEngine } from '../support/engines.js';

// Every endpoint of the backend against the real engines and fixture images, over real TCP, with the
// real analysis, result store and Dockerfile doctor; and the security contract (token, Host, Origin,
// body limits, malformed input, hostile ids, prune without confirm) with nothing changed afterwards.

interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

interface CallOpts {
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string | Buffer;
  token?: string | null;
}

interface Job {
  id: string;
  image: string;
  imageId: string;
  status: string;
  progress: { bytesRead: number; bytesTotal: number; layer: string | null };
  result?: {
    image: { id: string; ref: string };
    layers: { diffId: string; goCaches: { kind: string; root: string }[] }[];
    findings: { kind: string; modules?: string[] }[];
    summary: { polluted: boolean; moduleCacheBytes: number; buildCacheBytes: number };
  };
  error?: { code: string; message: string };
}

describeEngines('HTTP API', (testEngine: TestEngine) => {
  let engine: Engine;
  let server: LensServer;
  let store: ResultStore;
  let storeDir: string;
  let port: number;
  let token: string;

  function call(method: string, path: string, opts: CallOpts = {}): Promise<Res> {
    const useToken = opts.token === undefined ? token : opts.token;
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string | number> = { host: `127.0.0.1:${port}` };
    if (useToken !== null) headers.authorization = `Bearer ${useToken}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    Object.assign(headers, opts.headers ?? {});
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const imageId = (ref: string) =>
    docker(testEngine, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();

  async function waitJob(id: string, timeoutMs = 240_000): Promise<Job> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = (await call('GET', `/api/analyses/${id}`)).json<Job>();
      if (!['queued', 'running'].includes(job.status)) return job;
      if (Date.now() > until) throw new Error(`job ${id} still ${job.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function analyse(image: string): Promise<Job> {
    const res = await call('POST', '/api/analyses', { body: { image } });
    expect(res.status).toBe(202);
    return waitJob(res.json<{ id: string }>().id);
  }

  async function buildCacheIds(): Promise<string[]> {
    const df = await engine.request<{ BuildCache: { ID: string }[] | null }>({
      method: 'GET',
      path: '/system/df',
      query: { type: 'build-cache' },
    });
    return (df.BuildCache ?? []).map((r) => r.ID).sort();
  }

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'lens-http-store-'));
    store = ResultStore.open(storeDir);
    engine = connectEngine(testEngine.host);
    server = await createServer({
      mode: 'standalone',
      engine,
      store,
      analyze: engineAnalyzer(engine, store),
      doctor: { lintDockerfile, fixDockerfile, baseImages },
      port: 0,
      uiDir: null,
    });
    const url = new URL(await server.listen());
    expect(url.hostname).toBe('127.0.0.1');
    port = Number(url.port);
    token = url.searchParams.get('token')!;
    expect(token.length).toBeGreaterThanOrEqual(24);
  });

  afterAll(async () => {
    await server?.close();
    store?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('health names the engine version, API version and image store', async () => {
    const res = await call('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      engine: { reachable: true, address: testEngine.host, apiVersion: '1.45', imageStore: testEngine.store },
      server: { mode: 'standalone' },
    });
    expect(res.json<{ engine: { version: string } }>().engine.version).toMatch(/^26\./);
  });

  it('lists local images with tags, sizes and dates', async () => {
    const { images } = (await call('GET', '/api/images')).json<{
      images: { id: string; tags: string[]; sizeBytes: number; created: string }[];
    }>();
    const single = images.find((i) => i.tags.includes('lens-fixture/single-stage:latest'));
    expect(single).toBeDefined();
    expect(single!.id).toBe(imageId('lens-fixture/single-stage'));
    expect(single!.sizeBytes).toBeGreaterThan(100_000_000);
    expect(Number.isNaN(Date.parse(single!.created))).toBe(false);
    const ids = docker(testEngine, ['image', 'ls', '--no-trunc', '--format', '{{.ID}}'])
      .split('\n')
      .filter(Boolean);
    expect(new Set(images.map((i) => i.id))).toEqual(new Set(ids));
  });

  it('gives the build history with empty layers marked and diffIDs in RootFS order', async () => {
    const res = await call(
      'GET',
      `/api/images/${encodeURIComponent('lens-fixture/single-stage:latest')}/history`,
    );
    expect(res.status).toBe(200);
    const h = res.json<{
      id: string;
      layers: { instruction: string; emptyLayer: boolean; diffId?: string; sizeBytes: number }[];
    }>();
    const rootfs = JSON.parse(
      docker(testEngine, [
        'image',
        'inspect',
        '--format',
        '{{json .RootFS.Layers}}',
        'lens-fixture/single-stage',
      ]),
    ) as string[];
    const layered = h.layers.filter((l) => !l.emptyLayer);
    expect(layered.map((l) => l.diffId)).toEqual(rootfs);
    const download = h.layers.find((l) => l.instruction.includes('go mod download'))!;
    expect(download).toMatchObject({ emptyLayer: false });
    expect(download.sizeBytes).toBeGreaterThan(0);
    expect(h.layers.at(-1)).toMatchObject({ instruction: 'CMD ["app"]', emptyLayer: true, sizeBytes: 0 });
    const byId = await call('GET', `/api/images/${encodeURIComponent(h.id)}/history`);
    expect(byId.json<{ layers: unknown[] }>().layers).toEqual(h.layers);
  });

  it('runs analyses as shared jobs, streams their progress and keeps the results', async () => {
    const image = 'lens-fixture/single-stage:latest';
    const [a, b] = await Promise.all([
      call('POST', '/api/analyses', { body: { image, noCache: true } }),
      call('POST', '/api/analyses', { body: { image: 'lens-fixture/single-stage' } }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const id = a.json<{ id: string }>().id;
    expect(b.json<{ id: string }>().id).toBe(id);

    // Server-sent events, authorised by the token query parameter as an EventSource would be.
    const events = await call('GET', `/api/analyses/${id}/events?token=${encodeURIComponent(token)}`, {
      token: null,
    });
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
    const names = [...events.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names.at(-1)).toBe('done');
    const last = JSON.parse(
      events.text
        .trim()
        .split('\n')
        .at(-1)!
        .replace(/^data: /, ''),
    ) as Job;
    expect(last.status).toBe('done');

    const job = await waitJob(id);
    expect(job).toMatchObject({ status: 'done', imageId: imageId(image) });
    expect(job.progress.bytesRead).toBeGreaterThan(0);
    expect(job.result!.image).toMatchObject({ ref: image, id: imageId(image) });
    expect(job.result!.summary.polluted).toBe(true);
    const kinds = job.result!.findings.map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['module-cache-in-image', 'build-cache-in-image']));
    expect(job.result!.layers.flatMap((l) => l.goCaches.map((c) => c.root))).toEqual(
      expect.arrayContaining(['/go/pkg/mod', '/root/.cache/go-build']),
    );

    const clean = await analyse('lens-fixture/multistage-clean');
    expect(clean.status).toBe('done');
    expect(clean.result!.summary.polluted).toBe(false);
    expect(clean.result!.findings).toEqual([]);

    const past = (
      await call('GET', `/api/analyses?image=${encodeURIComponent('lens-fixture/single-stage')}`)
    ).json<{
      analyses: { imageId: string; ref: string; analyzedAt: string; findings: number }[];
    }>();
    expect(past.analyses.length).toBeGreaterThanOrEqual(1);
    expect(past.analyses[0]).toMatchObject({ imageId: imageId(image), ref: image });
    expect(past.analyses[0]!.findings).toBe(job.result!.findings.length);

    const { images } = (await call('GET', '/api/images')).json<{
      images: { id: string; lastAnalysis?: { summary: { polluted: boolean } } }[];
    }>();
    expect(images.find((i) => i.id === imageId(image))!.lastAnalysis!.summary.polluted).toBe(true);
    const stored = await call('GET', `/api/images/${encodeURIComponent(imageId(image))}/analysis`);
    expect(stored.json<{ result: { image: { id: string } } }>().result.image.id).toBe(imageId(image));
  });

  it('finds the inherited foreign module and the checksum mismatch through the API', async () => {
    const inherited = await analyse('lens-fixture/inherited');
    expect(inherited.result!.findings.find((f) => f.kind === 'foreign-modules')!.modules).toEqual([
      'example.com/libd@v0.3.0',
    ]);
    const mismatch = await analyse('lens-fixture/checksum-mismatch');
    expect(mismatch.result!.findings.find((f) => f.kind === 'checksum-mismatch')!.modules).toEqual([
      'example.com/liba@v1.1.0',
    ]);
  });

  it('compares stored analyses by category', async () => {
    await analyse('lens-fixture/cleanup-later');
    const res = await call(
      'GET',
      `/api/compare?images=${encodeURIComponent('lens-fixture/single-stage,lens-fixture/cleanup-later,lens-fixture/multistage-clean')}`,
    );
    expect(res.status).toBe(200);
    const { images } = res.json<{
      images: {
        image: string;
        totalBytes: number;
        categories: {
          sharedBaseLayers: number;
          goModuleCache: number;
          goBuildCache: number;
          wastedByLaterDeletes: number;
          rest: number;
        };
      }[];
    }>();
    expect(images.map((i) => i.image)).toEqual([
      'lens-fixture/single-stage',
      'lens-fixture/cleanup-later',
      'lens-fixture/multistage-clean',
    ]);
    for (const i of images) {
      const sum = Object.values(i.categories).reduce((n, x) => n + x, 0);
      expect(sum, i.image).toBe(i.totalBytes);
    }
    const [single, cleanup, clean] = images;
    expect(single!.categories.sharedBaseLayers).toBeGreaterThan(100_000_000);
    expect(single!.categories.goModuleCache).toBeGreaterThan(0);
    expect(single!.categories.goBuildCache).toBeGreaterThan(0);
    expect(single!.categories.wastedByLaterDeletes).toBe(0);
    expect(cleanup!.categories.wastedByLaterDeletes).toBeGreaterThan(0);
    expect(cleanup!.categories.goModuleCache + cleanup!.categories.goBuildCache).toBe(0);
    expect(clean!.categories.goModuleCache + clean!.categories.goBuildCache).toBe(0);
    const missing = await call('GET', '/api/compare?images=lens-fixture/decoy');
    expect(missing.status).toBe(404);
    expect(missing.json<{ error: { message: string } }>().error.message).toMatch(/analyse it first/);
  });

  it('cancels a running analysis', async () => {
    const start = await call('POST', '/api/analyses', {
      body: { image: 'lens-fixture/nonroot', noCache: true },
    });
    const id = start.json<{ id: string }>().id;
    for (let i = 0; i < 600; i++) {
      const job = (await call('GET', `/api/analyses/${id}`)).json<Job>();
      expect(job.status, 'the export finished before it could be cancelled').not.toBe('done');
      if (job.status === 'running' && job.progress.bytesRead > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const del = await call('DELETE', `/api/analyses/${id}`);
    expect(del.status).toBe(200);
    expect(del.json<Job>()).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect((await waitJob(id)).status).toBe('cancelled');
    // The export really stops: its slot is free again.
    for (let i = 0; i < 100; i++) {
      const h = (await call('GET', '/api/health')).json<{ server: { jobs: { running: number } } }>();
      if (h.server.jobs.running === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(
      (await call('GET', '/api/health')).json<{ server: { jobs: { running: number } } }>().server.jobs
        .running,
    ).toBe(0);
  });

  it('queues every image and never runs more than two exports at once', async () => {
    const res = await call('POST', '/api/analyses/all', { body: {} });
    expect(res.status).toBe(202);
    const { jobs } = res.json<{ jobs: { id: string; imageId: string }[] }>();
    const ids = docker(testEngine, ['image', 'ls', '--no-trunc', '--format', '{{.ID}}'])
      .split('\n')
      .filter(Boolean);
    expect(new Set(jobs.map((j) => j.imageId))).toEqual(new Set(ids));
    const health = (await call('GET', '/api/health')).json<{
      server: { jobs: { running: number; maxRunning: number } };
    }>();
    expect(health.server.jobs.running).toBeLessThanOrEqual(2);
    for (const j of jobs) await call('DELETE', `/api/analyses/${j.id}`);
    const after = (await call('GET', '/api/health')).json<{ server: { jobs: { maxRunning: number } } }>();
    expect(after.server.jobs.maxRunning).toBeLessThanOrEqual(2);
    expect(after.server.jobs.maxRunning).toBeGreaterThanOrEqual(1);
  });

  it('lints and fixes a Dockerfile', async () => {
    const content = 'FROM golang:latest\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n';
    const lint = await call('POST', '/api/dockerfile/lint', { body: { content } });
    expect(lint.status).toBe(200);
    const rules = lint.json<{ findings: { rule: string; line: number }[] }>().findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['floating-base-tag', 'toolchain-in-final-image', 'no-module-cache-mount']),
    );
    const fix = await call('POST', '/api/dockerfile/fix', { body: { content } });
    expect(fix.status).toBe(200);
    const answer = fix.json<{ fixed: string; diff: string; findings: unknown[] }>();
    expect(answer.fixed).not.toBe(content);
    expect(answer.fixed).toContain('--mount=type=cache');
    expect(answer.diff).toMatch(/^[-+]{3} /m);
    const relint = (await call('POST', '/api/dockerfile/lint', { body: { content: answer.fixed } })).json<{
      findings: { rule: string }[];
    }>();
    expect(relint.findings.map((f) => f.rule)).not.toContain('no-module-cache-mount');
  });

  it('publishes its OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/analyses/{id}/events',
        '/api/build-cache/prune',
        '/api/images/{id}/history',
      ]),
    );
  });

  it('refuses requests without the token, with a wrong one, or from a foreign Host or Origin', async () => {
    const cases: [string, CallOpts][] = [
      ['no token', { token: null }],
      ['wrong token', { token: `${token}x` }],
      ['token of another length', { token: 'abc' }],
      ['foreign Host', { headers: { host: `evil.example:${port}` } }],
      ['rebinding Host', { headers: { host: `127.0.0.1.nip.example:${port}` } }],
      ['foreign Origin', { headers: { origin: 'http://evil.example' } }],
      ['https Origin', { headers: { origin: `https://127.0.0.1:${port}` } }],
    ];
    for (const [what, opts] of cases) {
      const res = await call('GET', '/api/images', opts);
      expect(res.status, what).toBe(403);
      expect(res.json<{ error: { code: string; message: string } }>().error.code, what).toBe('forbidden');
    }
    const prune = await call('POST', '/api/build-cache/prune', {
      token: null,
      body: { scope: 'go-caches', dryRun: false, confirm: true, selection: 'x' },
    });
    expect(prune.status).toBe(403);
    // The page itself loads without the token.
    const page = await call('GET', `/?token=${token}`, { token: null });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers hostile or malformed input with clear 4xx errors and changes nothing', async () => {
    const imageList = () =>
      docker(testEngine, ['image', 'ls', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'])
        .split('\n')
        .sort();
    const imagesBefore = imageList();
    const cacheBefore = await buildCacheIds();

    const big = await call('POST', '/api/dockerfile/lint', {
      raw: JSON.stringify({ content: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.json<{ error: { code: string } }>().error.code).toBe('too-large');

    const malformed = await call('POST', '/api/analyses', { raw: '{"image": "lens-fixture/single-stage"' });
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toEqual({
      error: { code: 'bad-input', message: 'request body is not valid JSON' },
    });

    const unknown = await call('POST', '/api/analyses', { body: { image: 'lens-fixture/no-such-image:1' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json<{ error: { message: string } }>().error.message).toBe(
      'no local image "lens-fixture/no-such-image:1"',
    );
    const unknownHistory = await call('GET', `/api/images/${'f'.repeat(64)}/history`);
    expect(unknownHistory.status).toBe(404);

    for (const path of [
      '/api/images/..%2F..%2Fcontainers%2Fjson/history',
      '/api/images/..%2F..%2F..%2Fversion/history',
      '/api/images/%2e%2e%2fx/history',
      '/api/analyses/..%2F..%2Fetc%2Fpasswd',
      '/api/analyses?image=..%2F..%2Fcontainers',
      '/api/compare?images=..%2Fx',
    ]) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code, path).toBe('bad-input');
    }
    const postPath = await call('POST', '/api/analyses', { body: { image: '../../containers/json' } });
    expect(postPath.status).toBe(400);
    const pruneIds = await call('POST', '/api/build-cache/prune', {
      body: { scope: 'ids', ids: ['../../x'] },
    });
    expect(pruneIds.status).toBe(400);

    const noConfirm = await call('POST', '/api/build-cache/prune', {
      body: { scope: 'cache-mounts', dryRun: false },
    });
    expect(noConfirm.status).toBe(409);
    expect(noConfirm.json<{ error: { message: string } }>().error.message).toMatch(/confirm/);

    expect(imageList()).toEqual(imagesBefore);
    expect(await buildCacheIds()).toEqual(cacheBefore);
  });
});

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../src/core/analysisTypes.js';
import { LensError } from '../../../src/core/errors.js';
import type { Engine, EngineRequest } from '../../../src/docker/engine.js';
import type { AnalysisStore, Doctor } from '../../../src/http/context.js';
import { createServer, type LensServer } from '../../../src/http/server.js';
import type { AnalyzeOptions } from '../../../src/jobs/analysisJobs.js';

// HTTP-layer tests against a scripted engine: guard, validation, error mapping, routes and OpenAPI.
// The real-engine behaviour is covered by test/integration/http*.test.ts.

const IMG_ID = `sha256:${'a'.repeat(64)}`;
const OTHER_ID = `sha256:${'b'.repeat(64)}`;

function fakeEngine() {
  const calls: EngineRequest[] = [];
  const engine: Engine = {
    docker: {} as Docker,
    address: 'unix:///fake.sock',
    async request<T>(opts: EngineRequest): Promise<T> {
      calls.push(opts);
      const p = opts.path.split('?')[0]!;
      const answer = (x: unknown) => x as T;
      if (p === '/_ping') return answer('OK');
      if (p === '/version')
        return answer({ Version: '26.1.5', ApiVersion: '1.45', Os: 'linux', Arch: 'amd64' });
      if (p === '/info')
        return answer({
          Driver: 'overlayfs',
          DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']],
        });
      if (p === '/images/json') {
        return answer([
          { Id: IMG_ID, RepoTags: ['app:latest'], RepoDigests: [], Size: 1000, Created: 1_700_000_000 },
          { Id: OTHER_ID, RepoTags: ['<none>:<none>'], RepoDigests: null, Size: 10, Created: 1_600_000_000 },
        ]);
      }
      const img = /^\/images\/([^/]+)\/(json|history)$/.exec(p);
      if (img) {
        const name = decodeURIComponent(img[1]!);
        if (name === OTHER_ID && img[2] === 'json') {
          return answer({
            Id: OTHER_ID,
            RepoTags: [],
            Size: 10,
            Created: '2020-09-13T12:26:40Z',
            RootFS: { Layers: ['sha256:l1'] },
          });
        }
        if (!['app:latest', 'app', IMG_ID].includes(name))
          throw new LensError('not-found', `No such image: ${name}`);
        if (img[2] === 'json') {
          return answer({
            Id: IMG_ID,
            RepoTags: ['app:latest'],
            Size: 1000,
            Created: '2023-11-14T22:13:20Z',
            RootFS: { Layers: ['sha256:l1', 'sha256:l2'] },
            Config: { Env: ['GOLANG_VERSION=1.22.5'] },
          });
        }
        return answer([
          {
            Id: IMG_ID,
            Created: 1_700_000_000,
            CreatedBy: 'CMD ["app"]',
            Size: 0,
            Comment: 'buildkit.dockerfile.v0',
          },
          {
            Id: '<missing>',
            Created: 1_700_000_000,
            CreatedBy: 'RUN /bin/sh -c go build . # buildkit',
            Size: 900,
          },
          { Id: '<missing>', Created: 1_690_000_000, CreatedBy: 'ENV GOPATH=/go', Size: 0 },
          {
            Id: '<missing>',
            Created: 1_690_000_000,
            CreatedBy: '/bin/sh -c #(nop) ADD file:abc in / ',
            Size: 100,
          },
        ]);
      }
      if (p === '/system/df') {
        return answer({
          BuildCache: [
            {
              ID: 'gomod1',
              Type: 'exec.cachemount',
              Description: 'cached mount /go/pkg/mod from exec go mod download',
              InUse: false,
              Shared: false,
              Size: 300,
              LastUsedAt: null,
              UsageCount: 1,
            },
            {
              ID: 'layer1',
              Type: 'regular',
              Description: 'mount / from exec true',
              InUse: false,
              Shared: true,
              Size: 5,
              UsageCount: 1,
            },
          ],
        });
      }
      if (p === '/build/prune') return answer({ CachesDeleted: [], SpaceReclaimed: 0 });
      throw new LensError('not-found', `fake engine has no ${opts.method} ${p}`);
    },
    async stream() {
      throw new LensError('engine-error', 'no streams here');
    },
  };
  return { engine, calls };
}

function result(ref: string): AnalysisResult {
  return {
    schemaVersion: 1,
    image: { ref, id: IMG_ID, sizeBytes: 1000 },
    layers: [
      {
        index: 0,
        diffId: 'sha256:l1',
        createdBy: 'ADD',
        sizeBytes: 100,
        goCaches: [],
        deletedGoCacheBytes: 0,
      },
      {
        index: 1,
        diffId: 'sha256:l2',
        createdBy: 'RUN go build',
        sizeBytes: 900,
        goCaches: [{ kind: 'module-cache', root: '/go/pkg/mod', bytes: 600, files: 3, modules: [] }],
        deletedGoCacheBytes: 0,
      },
    ],
    findings: [
      { kind: 'module-cache-in-image', severity: 'warning', layerIndex: 1, message: 'module cache ships' },
    ],
    summary: { polluted: true, moduleCacheBytes: 600, buildCacheBytes: 0, wastedGoCacheBytes: 0 },
  };
}

function fakeStore(): AnalysisStore & {
  saved: { imageId: string; ref: string; analyzedAt: string; result: AnalysisResult }[];
} {
  const saved: { imageId: string; ref: string; analyzedAt: string; result: AnalysisResult }[] = [];
  return {
    saved,
    listAnalyses(filter) {
      return saved
        .filter(
          (s) => (!filter.imageId || s.imageId === filter.imageId) && (!filter.ref || s.ref === filter.ref),
        )
        .slice(0, filter.limit ?? 100);
    },
    latestAnalysis(key) {
      const hit = [...saved].reverse().find((s) => s.imageId === key || s.ref === key);
      return hit && { analyzedAt: hit.analyzedAt, result: hit.result };
    },
  };
}

const doctor: Doctor = {
  baseImages: (text) => [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!),
  lintDockerfile: (text, opts) => ({
    findings: text.includes('golang:latest')
      ? [{ rule: 'floating-base-tag', severity: 'warning', line: 1, message: 'pin it' }]
      : text
          .split('\n')
          .filter((l) => l.startsWith('FROM '))
          .map((l, i) => ({
            rule: 'env',
            severity: 'info',
            line: i + 1,
            message: `${l.slice(5)}: ${(opts?.localImageEnv?.(l.slice(5)) ?? ['none']).join(',')}`,
          })),
  }),
  fixDockerfile: (text, opts) => ({
    fixed: `${text}# fixed for ${opts?.runtimeImage ?? 'default'}\n`,
    diff: '--- a\n+++ b\n',
    findings: [],
  }),
};

const TOKEN = 'test-token-123';
const HOST = '127.0.0.1:7412';
const auth = { host: HOST, authorization: `Bearer ${TOKEN}` };

let server: LensServer;
let engineCalls: EngineRequest[];
let store: ReturnType<typeof fakeStore>;
let analyzeCalls: { image: string; opts: AnalyzeOptions }[];
const tmp = mkdtempSync(join(tmpdir(), 'lens-http-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function makeServer(over: Partial<Parameters<typeof createServer>[0]> = {}): Promise<LensServer> {
  const fe = fakeEngine();
  engineCalls = fe.calls;
  store = fakeStore();
  analyzeCalls = [];
  return createServer({
    mode: 'standalone',
    engine: fe.engine,
    store,
    token: TOKEN,
    port: 7412,
    uiDir: null,
    doctor,
    bodyLimit: 64 * 1024,
    analyze: async (image, opts) => {
      analyzeCalls.push({ image, opts });
      opts.onProgress({ bytesRead: 5, bytesTotal: 10, layer: 'sha256:l1' });
      await new Promise((r) => setTimeout(r, 20));
      const r = result(image);
      store.saved.push({ imageId: r.image.id, ref: image, analyzedAt: new Date().toISOString(), result: r });
      return r;
    },
    ...over,
  });
}

describe('standalone guard', () => {
  beforeEach(async () => {
    server = await makeServer();
  });
  afterEach(async () => server.close());

  it('needs the token for /api, by header or query', async () => {
    const none = await server.app.inject({ url: '/api/health', headers: { host: HOST } });
    expect(none.statusCode).toBe(403);
    expect(none.json()).toEqual({
      error: { code: 'forbidden', message: expect.stringMatching(/missing token/) },
    });
    const wrong = await server.app.inject({
      url: '/api/health',
      headers: { host: HOST, authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.message).toMatch(/wrong token/);
    const wrongQuery = await server.app.inject({
      url: `/api/health?token=${TOKEN}x`,
      headers: { host: HOST },
    });
    expect(wrongQuery.statusCode).toBe(403);
    expect((await server.app.inject({ url: '/api/health', headers: auth })).statusCode).toBe(200);
    expect(
      (await server.app.inject({ url: `/api/health?token=${TOKEN}`, headers: { host: HOST } })).statusCode,
    ).toBe(200);
  });

  it('rejects foreign Host and Origin even with the token', async () => {
    for (const host of ['evil.example:7412', '127.0.0.1:7413', '127.0.0.1', 'localhost.evil.example:7412']) {
      const r = await server.app.inject({ url: '/api/health', headers: { ...auth, host } });
      expect(r.statusCode, host).toBe(403);
    }
    for (const origin of [
      'http://evil.example',
      'https://127.0.0.1:7412',
      'http://127.0.0.1:7412.evil.example',
      'null',
    ]) {
      const r = await server.app.inject({ url: '/api/health', headers: { ...auth, origin } });
      expect(r.statusCode, origin).toBe(403);
      expect(r.json().error.message).toMatch(/cross-origin/);
    }
    const same = await server.app.inject({
      url: '/api/health',
      headers: { ...auth, origin: 'http://localhost:7412' },
    });
    expect(same.statusCode).toBe(200);
    // Static files too are only served to this address.
    expect((await server.app.inject({ url: '/', headers: { host: 'evil.example:7412' } })).statusCode).toBe(
      403,
    );
  });

  it('guards encoded API paths as well', async () => {
    const r = await server.app.inject({ url: '/%61pi/health', headers: { host: HOST } });
    expect(r.statusCode).toBe(403);
  });

  it('serves the "not built" page without the token', async () => {
    const r = await server.app.inject({ url: `/?token=${TOKEN}`, headers: { host: HOST } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toMatch(/not built/);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('unknown routes answer a JSON 404', async () => {
    const r = await server.app.inject({ url: '/api/nothing', headers: auth });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('not-found');
  });
});

describe('static UI', () => {
  it('serves the built UI from uiDir without the token, and nothing outside it', async () => {
    const ui = join(tmp, 'ui');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Lens UI</title>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(tmp, 'secret.txt'), 'TOPSECRETCONTENT');
    server = await makeServer({ uiDir: ui });
    try {
      const index = await server.app.inject({ url: `/?token=${TOKEN}`, headers: { host: HOST } });
      expect(index.statusCode).toBe(200);
      expect(index.body).toContain('Lens UI');
      const js = await server.app.inject({ url: '/assets/app.js', headers: { host: HOST } });
      expect(js.statusCode).toBe(200);
      for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
        const r = await server.app.inject({ url, headers: { host: HOST } });
        expect(r.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(r.body).not.toContain('TOPSECRETCONTENT');
      }
    } finally {
      await server.close();
    }
  });
});

describe('input validation and errors', () => {
  beforeEach(async () => {
    server = await makeServer();
  });
  afterEach(async () => server.close());

  const post = (url: string, payload: string | object, headers: Record<string, string> = {}) =>
    server.app.inject({
      method: 'POST',
      url,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { ...auth, 'content-type': 'application/json', ...headers },
    });

  it('oversize bodies are 413 too-large', async () => {
    const r = await post('/api/dockerfile/lint', { content: 'x'.repeat(70 * 1024) });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({
      error: { code: 'too-large', message: 'request body is larger than 65536 bytes' },
    });
  });

  it('malformed JSON, missing fields, wrong types and unknown media types are 4xx with a message', async () => {
    const bad = await post('/api/analyses', '{"image": ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'bad-input', message: 'request body is not valid JSON' } });
    const missing = await post('/api/analyses', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/image/);
    const wrongType = await post('/api/build-cache/prune', { scope: 'everything' });
    expect(wrongType.statusCode).toBe(400);
    const proto = await post('/api/analyses', '{"image":"app","__proto__":{"x":1}}');
    expect(proto.statusCode).toBe(400);
    const text = await post('/api/analyses', 'image=app', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(analyzeCalls).toHaveLength(0);
  });

  it('path-like and malformed ids are 400 and never reach the engine', async () => {
    for (const url of [
      '/api/images/..%2F..%2Fcontainers%2Fjson/history',
      '/api/images/..%2Fx/history',
      '/api/images/a%2F%2Fb/history',
      '/api/images/%2Fetc%2Fpasswd/history',
    ]) {
      const r = await server.app.inject({ url, headers: auth });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.code).toBe('bad-input');
    }
    for (const url of ['/api/analyses/..%2F..%2Fetc', '/api/analyses/a.b', '/api/analyses/%20']) {
      const r = await server.app.inject({ url, headers: auth });
      expect(r.statusCode, url).toBe(400);
    }
    const postBad = await post('/api/analyses', { image: '../../containers/json' });
    expect(postBad.statusCode).toBe(400);
    expect(engineCalls.filter((c) => c.path.includes('..') || c.path.includes('containers'))).toEqual([]);
  });

  it('unknown images and jobs are 404', async () => {
    const h = await server.app.inject({ url: '/api/images/nope:1/history', headers: auth });
    expect(h.statusCode).toBe(404);
    expect(h.json().error.message).toBe('no local image "nope:1"');
    const a = await post('/api/analyses', { image: 'nope:1' });
    expect(a.statusCode).toBe(404);
    const j = await server.app.inject({
      url: '/api/analyses/00000000-0000-0000-0000-000000000000',
      headers: auth,
    });
    expect(j.statusCode).toBe(404);
    const d = await server.app.inject({ method: 'DELETE', url: '/api/analyses/abc', headers: auth });
    expect(d.statusCode).toBe(404);
  });

  it('a prune without confirm is 409 and deletes nothing', async () => {
    const r = await post('/api/build-cache/prune', { scope: 'go-caches', dryRun: false });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.message).toMatch(/confirm/);
    const noSel = await post('/api/build-cache/prune', { scope: 'go-caches', dryRun: false, confirm: true });
    expect(noSel.statusCode).toBe(409);
    const stale = await post('/api/build-cache/prune', {
      scope: 'go-caches',
      dryRun: false,
      confirm: true,
      selection: 'x',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.message).toMatch(/changed since the dry run/);
    expect(engineCalls.filter((c) => c.path.startsWith('/build/prune'))).toEqual([]);
  });
});

describe('routes', () => {
  beforeEach(async () => {
    server = await makeServer();
  });
  afterEach(async () => server.close());

  const get = (url: string) => server.app.inject({ url, headers: auth });

  it('health reports the engine and image store', async () => {
    const r = await get('/api/health');
    expect(r.json()).toMatchObject({
      engine: { reachable: true, version: '26.1.5', apiVersion: '1.45', imageStore: 'containerd' },
      server: { mode: 'standalone' },
    });
  });

  it('images, history and build cache', async () => {
    const images = (await get('/api/images')).json();
    expect(images.images).toEqual([
      { id: IMG_ID, tags: ['app:latest'], digests: [], sizeBytes: 1000, created: '2023-11-14T22:13:20.000Z' },
      { id: OTHER_ID, tags: [], digests: [], sizeBytes: 10, created: '2020-09-13T12:26:40.000Z' },
    ]);
    const hist = (await get('/api/images/app%3Alatest/history')).json();
    expect(
      hist.layers.map((l: { instruction: string; emptyLayer: boolean; diffId?: string }) => [
        l.instruction,
        l.emptyLayer,
        l.diffId ?? null,
      ]),
    ).toEqual([
      ['ADD file:abc in /', false, 'sha256:l1'],
      ['ENV GOPATH=/go', true, null],
      ['RUN /bin/sh -c go build .', false, 'sha256:l2'],
      ['CMD ["app"]', true, null],
    ]);
    const bc = (await get('/api/build-cache')).json();
    expect(bc.records.map((r: { id: string; category: string }) => [r.id, r.category])).toEqual([
      ['gomod1', 'go-module-cache'],
      ['layer1', 'layer'],
    ]);
    expect(bc.totals).toMatchObject({ 'go-module-cache': 300, layer: 5, all: 305 });
  });

  it('a dry run lists the selection and its token', async () => {
    const r = await server.app.inject({
      method: 'POST',
      url: '/api/build-cache/prune',
      headers: auth,
      payload: { scope: 'go-caches' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ dryRun: true, records: ['gomod1'], bytes: 300, skipped: [] });
    expect(r.json().selection).toMatch(/^[0-9a-f]{32}$/);
  });

  it('analysis jobs: start, join, status, events, stored list, compare', async () => {
    const start = async () =>
      server.app.inject({ method: 'POST', url: '/api/analyses', headers: auth, payload: { image: 'app' } });
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.statusCode).toBe(202);
    expect(a.json().id).toBe(b.json().id);
    const id = a.json().id as string;
    const events = await get(`/api/analyses/${id}/events`);
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const names = [...events.body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names.at(-1)).toBe('done');
    const done = (await get(`/api/analyses/${id}`)).json();
    expect(done).toMatchObject({
      status: 'done',
      image: 'app',
      imageId: IMG_ID,
      result: { image: { ref: 'app:latest' } },
    });
    expect(done.result.layers[1].goCaches[0].root).toBe('/go/pkg/mod');
    expect(analyzeCalls.map((c) => c.image)).toEqual(['app:latest']);

    const list = (await get('/api/analyses?image=app')).json();
    expect(list.analyses).toHaveLength(1);
    expect(list.analyses[0]).toMatchObject({
      imageId: IMG_ID,
      ref: 'app:latest',
      findings: 1,
      summary: { polluted: true },
    });
    const imgs = (await get('/api/images')).json();
    expect(imgs.images[0].lastAnalysis).toMatchObject({ findings: 1, summary: { moduleCacheBytes: 600 } });

    const stored = await get('/api/images/app/analysis');
    expect(stored.json()).toMatchObject({
      analyzedAt: expect.any(String),
      result: { image: { id: IMG_ID } },
    });
    expect((await get(`/api/images/${encodeURIComponent(OTHER_ID)}/analysis`)).statusCode).toBe(404);
    const cmp = (await get('/api/compare?images=app')).json();
    expect(cmp.images[0]).toMatchObject({
      imageId: IMG_ID,
      totalBytes: 1000,
      categories: {
        sharedBaseLayers: 0,
        goModuleCache: 600,
        goBuildCache: 0,
        wastedByLaterDeletes: 0,
        rest: 400,
      },
    });
    const missing = await get('/api/compare?images=app,nope:2');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/no stored analysis of "nope:2"/);

    const del = await server.app.inject({ method: 'DELETE', url: `/api/analyses/${id}`, headers: auth });
    expect(del.json().status).toBe('done');
  });

  it('analyze all queues every image', async () => {
    const r = await server.app.inject({ method: 'POST', url: '/api/analyses/all', headers: auth });
    expect(r.statusCode).toBe(202);
    expect(r.json().jobs.map((j: { image: string }) => j.image)).toEqual(['app:latest', OTHER_ID]);
  });

  it('Dockerfile lint and fix', async () => {
    const lint = await server.app.inject({
      method: 'POST',
      url: '/api/dockerfile/lint',
      headers: auth,
      payload: { content: 'FROM golang:latest\n' },
    });
    expect(lint.json()).toEqual({
      findings: [{ rule: 'floating-base-tag', severity: 'warning', line: 1, message: 'pin it' }],
    });
    const env = await server.app.inject({
      method: 'POST',
      url: '/api/dockerfile/lint',
      headers: auth,
      payload: { content: 'FROM app:latest\nFROM nope:1\nFROM ../x\n' },
    });
    expect(env.json().findings.map((f: { message: string }) => f.message)).toEqual([
      'app:latest: GOLANG_VERSION=1.22.5',
      'nope:1: none',
      '../x: none',
    ]);
    expect(engineCalls.some((c) => c.path.includes('..'))).toBe(false);
    const fix = await server.app.inject({
      method: 'POST',
      url: '/api/dockerfile/fix',
      headers: auth,
      payload: { content: 'FROM golang:latest\n', runtimeImage: 'alpine:3.20' },
    });
    expect(fix.json()).toEqual({
      fixed: 'FROM golang:latest\n# fixed for alpine:3.20\n',
      diff: '--- a\n+++ b\n',
      findings: [],
      remaining: [],
    });
    const badRuntime = await server.app.inject({
      method: 'POST',
      url: '/api/dockerfile/fix',
      headers: auth,
      payload: { content: 'FROM x\n', runtimeImage: '../evil' },
    });
    expect(badRuntime.statusCode).toBe(400);
  });

  it('publishes an OpenAPI document of every API route', async () => {
    const doc = (await get('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/analyses',
      '/api/analyses/all',
      '/api/analyses/{id}',
      '/api/analyses/{id}/events',
      '/api/build-cache',
      '/api/build-cache/prune',
      '/api/builds',
      '/api/builds/events',
      '/api/builds/{ref}',
      '/api/compare',
      '/api/dockerfile/fix',
      '/api/dockerfile/lint',
      '/api/health',
      '/api/images',
      '/api/images/{id}/analysis',
      '/api/images/{id}/build',
      '/api/images/{id}/history',
      '/api/openapi.json',
    ]);
    const ops = Object.values(doc.paths).flatMap((p) =>
      Object.values(p as Record<string, { operationId: string }>),
    );
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    expect(
      doc.paths['/api/build-cache/prune'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['scope']);
    expect(doc.paths['/api/analyses/{id}'].get.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
      required: true,
    });
    expect(doc.paths['/api/analyses/{id}/events'].get.responses['200'].content).toHaveProperty(
      'text/event-stream',
    );
    expect(doc.security).toBeDefined();
  });
});

describe('extension mode', () => {
  it('needs no token and serves no UI', async () => {
    server = await makeServer({ mode: 'extension', token: undefined });
    try {
      expect(server.token).toBeUndefined();
      const r = await server.app.inject({ url: '/api/health', headers: { host: 'localhost' } });
      expect(r.statusCode).toBe(200);
      expect(r.json().server.mode).toBe('extension');
      expect((await server.app.inject({ url: '/' })).statusCode).toBe(404);
      const doc = (await server.app.inject({ url: '/api/openapi.json' })).json();
      expect(doc.security).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

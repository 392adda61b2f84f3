import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine, type Engine } from '../../src/docker/engine.js';
import { createServer, type LensServer } from '../../src/http/server.js';
import { BUSYBOX_BASE, GO_BASE } from '../fixtures/fixtureImages.js';
import { ensureModuleWorld } from '../fixtures/goModules.js';
import { describeEngines, docker, dockerCli, type TestEngine } from '../support/engines.js';

// The build cache API against real engines: classification of the cache mounts a Go build leaves, the
// dry-run / confirm contract, a real prune of those Go cache mounts checked with GET /system/df, and
// records in use left alone. Analysis plays no part here, so the server gets a store with no results.

interface Rec {
  id: string;
  type: string;
  category: string;
  mountTarget?: string;
  mountId?: string;
  size: number;
  inUse: boolean;
}
interface Listing {
  records: Rec[];
  totals: Record<string, number>;
}
interface Prune {
  dryRun: boolean;
  records: string[];
  bytes: number;
  selection: string;
  skipped: { id: string; reason: string }[];
  reclaimedBytes?: number;
  notDeleted?: string[];
}

function call(port: number, token: string, method: string, path: string, body?: unknown) {
  return new Promise<{ status: number; json: <T>() => T }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: <T>() => JSON.parse(text) as T });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Record ids straight from the engine's GET /system/df. */
async function dfIds(engine: Engine): Promise<Map<string, { InUse: boolean; Description?: string }>> {
  const df = await engine.request<{
    BuildCache: { ID: string; InUse: boolean; Description?: string }[] | null;
  }>({
    method: 'GET',
    path: '/system/df',
    query: { type: 'build-cache' },
  });
  return new Map((df.BuildCache ?? []).map((r) => [r.ID, r]));
}

describeEngines('build cache API', (testEngine: TestEngine) => {
  const marker = randomUUID().slice(0, 8);
  const otherMountId = `lens-http-other-${marker}`;
  const image = `lens-http-test/prune:${marker}`;
  let engine: Engine;
  let server: LensServer;
  let port: number;
  let token: string;

  beforeAll(async () => {
    // A fixture-style Go build with cache mounts on the default module and build cache paths (shared with
    // the fixtures' own mounts), plus one unrelated cache mount that no Go prune may touch.
    const world = ensureModuleWorld();
    const proxy = '--mount=type=bind,source=proxy,target=/proxy';
    const env = 'GOPROXY=file:///proxy GOFLAGS=-mod=mod CGO_ENABLED=0';
    const dockerfile = `FROM ${GO_BASE}
WORKDIR /src
COPY app/go.mod app/go.sum ./
RUN ${proxy} --mount=type=cache,target=/go/pkg/mod ${env} go mod download && echo ${marker}
COPY app/ ./
RUN ${proxy} --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build ${env} go build -o /out/app . && echo ${marker}
RUN --mount=type=cache,target=/var/cache/other,id=${otherMountId} sh -c 'head -c 4096 /dev/urandom > /var/cache/other/blob'
`;
    docker(testEngine, ['build', '--network=none', '-q', '-t', image, '-f', '-', world.contextDir], {
      input: dockerfile,
    });
    engine = connectEngine(testEngine.host);
    server = await createServer({
      mode: 'standalone',
      engine,
      port: 0,
      uiDir: null,
      store: { listAnalyses: () => [], latestAnalysis: () => undefined },
      analyze: async () => {
        throw new Error('no analyses in this suite');
      },
    });
    const url = new URL(await server.listen());
    port = Number(url.port);
    token = url.searchParams.get('token')!;
  });

  afterAll(async () => {
    // Leave no records of this suite behind: prune its own non-Go cache mounts the same way.
    if (server) {
      const { records } = (await call(port, token, 'GET', '/api/build-cache')).json<Listing>();
      const mine = records.filter((r) => r.mountId?.endsWith(`-${marker}`) && !r.inUse).map((r) => r.id);
      if (mine.length > 0) {
        const dry = (
          await call(port, token, 'POST', '/api/build-cache/prune', { scope: 'ids', ids: mine })
        ).json<Prune>();
        await call(port, token, 'POST', '/api/build-cache/prune', {
          scope: 'ids',
          ids: mine,
          dryRun: false,
          confirm: true,
          selection: dry.selection,
        });
      }
    }
    await server?.close();
    try {
      docker(testEngine, ['rmi', image]);
    } catch {
      // already gone
    }
  });

  it("lists the build's cache mounts as Go module cache, Go build cache and other cache mount", async () => {
    const res = await call(port, token, 'GET', '/api/build-cache');
    expect(res.status).toBe(200);
    const { records, totals } = res.json<Listing>();
    // BuildKit may keep more than one record for a shared cache id; together they hold the caches.
    const mods = records.filter((r) => r.mountTarget === '/go/pkg/mod' && r.mountId === '//go/pkg/mod');
    const builds = records.filter(
      (r) => r.mountTarget === '/root/.cache/go-build' && r.mountId === '//root/.cache/go-build',
    );
    const other = records.find((r) => r.mountId === `/${otherMountId}`);
    expect(mods.length).toBeGreaterThanOrEqual(1);
    expect(builds.length).toBeGreaterThanOrEqual(1);
    for (const r of mods) expect(r).toMatchObject({ type: 'exec.cachemount', category: 'go-module-cache' });
    for (const r of builds) expect(r).toMatchObject({ type: 'exec.cachemount', category: 'go-build-cache' });
    expect(other).toMatchObject({ type: 'exec.cachemount', category: 'cache-mount' });
    expect(
      mods.reduce((n, r) => n + r.size, 0),
      JSON.stringify(mods),
    ).toBeGreaterThan(0);
    expect(
      builds.reduce((n, r) => n + r.size, 0),
      JSON.stringify(builds),
    ).toBeGreaterThan(0);
    expect(records.some((r) => r.category === 'layer')).toBe(true);
    expect(totals.all).toBe(records.reduce((n, r) => n + r.size, 0));
    expect(totals['go-module-cache']).toBe(
      records.filter((r) => r.category === 'go-module-cache').reduce((n, r) => n + r.size, 0),
    );
    // Every record the engine lists is there, once (other builds may come and go meanwhile, so compare
    // with what the engine listed both before and after).
    const before = new Set((await dfIds(engine)).keys());
    const listed = (await call(port, token, 'GET', '/api/build-cache'))
      .json<Listing>()
      .records.map((r) => r.id);
    const after = new Set((await dfIds(engine)).keys());
    expect(new Set(listed).size).toBe(listed.length);
    for (const id of before) if (after.has(id)) expect(listed).toContain(id);
    for (const id of listed) expect(before.has(id) || after.has(id)).toBe(true);
  });

  it('answers a dry run with the exact selection, and deletes nothing without confirm and the same selection', async () => {
    const before = await dfIds(engine);
    const { records } = (await call(port, token, 'GET', '/api/build-cache')).json<Listing>();
    const dry = await call(port, token, 'POST', '/api/build-cache/prune', {
      scope: 'go-caches',
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    const answer = dry.json<Prune>();
    const expected = records.filter((r) => r.category.startsWith('go-') && !r.inUse);
    expect(answer.dryRun).toBe(true);
    expect(new Set(answer.records)).toEqual(new Set(expected.map((r) => r.id)));
    expect(answer.bytes).toBe(expected.reduce((n, r) => n + r.size, 0));
    expect(answer.records).not.toContain(records.find((r) => r.mountId === `/${otherMountId}`)!.id);

    const refusals = [
      { scope: 'go-caches', dryRun: false },
      { scope: 'go-caches', dryRun: false, confirm: false, selection: answer.selection },
      { scope: 'go-caches', dryRun: false, confirm: true },
      { scope: 'go-caches', dryRun: false, confirm: true, selection: 'f'.repeat(32) },
      { scope: 'cache-mounts', dryRun: false, confirm: true, selection: answer.selection },
    ];
    for (const body of refusals) {
      const r = await call(port, token, 'POST', '/api/build-cache/prune', body);
      expect(r.status, JSON.stringify(body)).toBe(409);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('conflict');
    }
    const unknown = await call(port, token, 'POST', '/api/build-cache/prune', {
      scope: 'ids',
      ids: ['nosuchrecord0000'],
    });
    expect(unknown.status).toBe(404);
    expect(new Set((await dfIds(engine)).keys())).toEqual(new Set(before.keys()));
  });

  it('prunes exactly the Go cache mounts of the build; /system/df shows them gone and every other record kept', async () => {
    const { records } = (await call(port, token, 'GET', '/api/build-cache')).json<Listing>();
    const goIds = records
      .filter(
        (r) =>
          (r.mountTarget === '/go/pkg/mod' && r.mountId === '//go/pkg/mod') ||
          (r.mountTarget === '/root/.cache/go-build' && r.mountId === '//root/.cache/go-build'),
      )
      .map((r) => r.id);
    expect(goIds.length).toBeGreaterThanOrEqual(2);
    const goBytes = records.filter((r) => goIds.includes(r.id)).reduce((n, r) => n + r.size, 0);
    const before = await dfIds(engine);

    const dry = (
      await call(port, token, 'POST', '/api/build-cache/prune', { scope: 'ids', ids: goIds })
    ).json<Prune>();
    expect(new Set(dry.records)).toEqual(new Set(goIds));
    expect(dry.bytes).toBe(goBytes);
    const real = await call(port, token, 'POST', '/api/build-cache/prune', {
      scope: 'ids',
      ids: goIds,
      dryRun: false,
      confirm: true,
      selection: dry.selection,
    });
    expect(real.status).toBe(200);
    const done = real.json<Prune>();
    expect(done).toMatchObject({ dryRun: false, bytes: goBytes, notDeleted: [] });
    expect(new Set(done.records)).toEqual(new Set(goIds));
    expect(done.reclaimedBytes).toBeGreaterThan(0);

    const after = await dfIds(engine);
    for (const id of goIds) expect(after.has(id), `${id} still listed`).toBe(false);
    const kept = [...before.keys()].filter((id) => !goIds.includes(id));
    expect(kept.filter((id) => !after.has(id))).toEqual([]);
    // Images are never touched.
    expect(docker(testEngine, ['image', 'inspect', '--format', '{{.Id}}', image]).trim()).toMatch(/^sha256:/);
    expect(
      docker(testEngine, ['image', 'inspect', '--format', '{{.Id}}', 'lens-fixture/multistage-clean']).trim(),
    ).toMatch(/^sha256:/);
  });

  it('never selects or deletes a cache mount in use', async () => {
    const busyId = `lens-http-busy-${marker}`;
    const dockerfile = `FROM ${BUSYBOX_BASE}\nRUN --mount=type=cache,target=/go/pkg/mod,id=${busyId} sh -c 'echo ${marker} > /go/pkg/mod/x; sleep 60'\n`;
    const build: ChildProcess = spawn(
      dockerCli,
      ['-H', testEngine.host, 'build', '--network=none', '--no-cache', '-q', '-f', '-', '.'],
      { stdio: ['pipe', 'ignore', 'ignore'], cwd: ensureModuleWorld().contextDir },
    );
    build.stdin!.end(dockerfile);
    const exited = new Promise((r) => build.once('exit', r));
    let busy: Rec | undefined;
    try {
      for (let i = 0; i < 120 && !busy?.inUse; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const { records } = (await call(port, token, 'GET', '/api/build-cache')).json<Listing>();
        busy = records.find((r) => r.mountId === `/${busyId}`);
      }
      expect(busy).toMatchObject({ category: 'go-module-cache', inUse: true });
      const dry = (
        await call(port, token, 'POST', '/api/build-cache/prune', { scope: 'go-caches' })
      ).json<Prune>();
      expect(dry.records).not.toContain(busy!.id);
      expect(dry.skipped).toContainEqual({ id: busy!.id, reason: 'in-use' });
      const byId = (
        await call(port, token, 'POST', '/api/build-cache/prune', { scope: 'ids', ids: [busy!.id] })
      ).json<Prune>();
      expect(byId).toMatchObject({ records: [], bytes: 0, skipped: [{ id: busy!.id, reason: 'in-use' }] });
      const real = await call(port, token, 'POST', '/api/build-cache/prune', {
        scope: 'ids',
        ids: [busy!.id],
        dryRun: false,
        confirm: true,
        selection: byId.selection,
      });
      expect(real.json<Prune>()).toMatchObject({ records: [], reclaimedBytes: 0 });
      expect((await dfIds(engine)).get(busy!.id)?.InUse).toBe(true);
    } finally {
      build.kill('SIGINT');
      await exited;
      // The cancelled build releases the mount, so the suite's cleanup can prune it.
      for (let i = 0; i < 100 && busy && (await dfIds(engine)).get(busy.id)?.InUse; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});

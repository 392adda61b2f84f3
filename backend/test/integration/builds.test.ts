import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command as buildsCommand } from '../../src/cli/buildsCommand.js';
import type { CliIO } from '../../src/cli/main.js';
import { baseImages, fixDockerfile, lintDockerfile } from '../../src/core/doctor/index.js';
import {
  listRawBuildCache,
  parseCacheMountDescription,
  pruneBuildCache,
} from '../../src/docker/buildCache.js';
import type { BuildDetail, BuildEvent, BuildSummary } from '../../src/docker/buildHistory.js';
import { connectEngine, type Engine } from '../../src/docker/engine.js';
import { buildsRoutes } from '../../src/http/buildsRoutes.js';
import { makeErrorHandler, notFoundHandler } from '../../src/http/errors.js';
import { GO_BASE } from '../fixtures/fixtureImages.js';
import { ensureModuleWorld } from '../fixtures/goModules.js';
import { describeEngines, docker, dockerCli, type TestEngine } from '../support/engines.js';

// Build history against real engines: builds made here (successful, failed, and a real `checksum
// mismatch` from a stale cache mount) must be listed within a second of `docker build` returning, with
// the Dockerfile they were built from, the failing line, and the image they produced, in both
// directions. The live feed must report them as they finish.

const LISTED_WITHIN_MS = 1000;

/** `docker build` without blocking the event loop, so the server and the event stream keep running. */
function dockerAsync(
  engine: TestEngine,
  args: string[],
  input?: string,
  cwd?: string,
): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      dockerCli,
      ['-H', engine.host, ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOCKER_BUILDKIT: '1' } },
      (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input ?? '');
  });
}

async function getJson<T>(base: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls the list until `match` finds a build; returns it and how long after `since` it appeared. */
async function listedWithin(base: string, match: (b: BuildSummary) => boolean, since: number, ms = 5000) {
  for (;;) {
    const { status, body } = await getJson<{ builds: BuildSummary[] }>(base, '/api/builds');
    expect(status).toBe(200);
    const found = body.builds.find(match);
    if (found) return { build: found, afterMs: Date.now() - since, list: body.builds };
    if (Date.now() - since > ms) throw new Error('build not listed in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A live `/api/builds/events` client. */
async function openEvents(base: string) {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/builds/events`, { signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: { event: string; data: unknown; at: number }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
        }
      }
    } catch {
      // aborted
    }
  })();
  const waitFor = async <T>(pick: () => T | undefined, ms = 5000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      if (Date.now() > end)
        throw new Error(`event not received; got ${JSON.stringify(events.map((e) => e.event))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() =>
    events.find((e) => e.event === 'state' && (e.data as { state: string }).state === 'live'),
  );
  return {
    events,
    waitFor,
    close: async () => {
      ac.abort();
      await pump;
    },
  };
}

function cliIO(engine: TestEngine) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const io: CliIO = {
    stdout,
    stderr,
    env: { ...process.env, DOCKER_HOST: engine.host },
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
  return { io, out: () => out };
}

describeEngines('build history', (engine) => {
  const run = randomUUID().slice(0, 8);
  const okTag = `lens-builds-ok-${run}:latest`;
  // Successful builds are tagged: an untagged result can be removed by a concurrent image prune on a
  // shared engine before the export finishes.
  const fillTag = `lens-builds-fill-${run}:latest`;
  const fixedTag = `lens-builds-fixed-${run}:latest`;
  let app: FastifyInstance;
  let base: string;
  let eng: Engine;

  beforeAll(async () => {
    eng = connectEngine(engine.host);
    app = Fastify();
    app.setErrorHandler(makeErrorHandler(1024 * 1024));
    app.setNotFoundHandler(notFoundHandler);
    await buildsRoutes(app, { engine: eng, doctor: { lintDockerfile, fixDockerfile, baseImages } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
    for (const tag of [okTag, fillTag, fixedTag]) {
      try {
        docker(engine, ['rmi', '-f', tag]);
      } catch {
        // not built
      }
    }
  });

  it('lists a successful build within a second, with its Dockerfile, image and doctor report, both ways', async () => {
    const dockerfile = `FROM golang:1.22\nWORKDIR /src\nRUN echo ${run} > /marker\nCMD ["cat", "/marker"]\n`;
    // As in the UI: the list is open (its first answer lists every local image, which is slow on the
    // containerd store) and the event stream is live when the build runs.
    expect((await getJson<{ builds: BuildSummary[] }>(base, '/api/builds')).status).toBe(200);
    const events = await openEvents(base);
    try {
      const build = await dockerAsync(engine, ['build', '--network=none', '-t', okTag, '-'], dockerfile);
      const finished = Date.now();
      expect(build.ok, build.out).toBe(true);
      const imageId = docker(engine, ['image', 'inspect', '--format', '{{.Id}}', okTag]).trim();

      const {
        build: listed,
        afterMs,
        list,
      } = await listedWithin(base, (b) => b.image?.id === imageId, finished);
      expect(afterMs).toBeLessThan(LISTED_WITHIN_MS);
      expect(listed).toMatchObject({
        name: okTag,
        dockerfileName: 'Dockerfile',
        status: 'completed',
        errorMessage: null,
      });
      expect(listed.image?.tags).toContain(okTag);
      expect(listed.steps.total).toBeGreaterThan(0);
      expect(listed.durationMs).toBeGreaterThanOrEqual(0);
      const starts = list.map((b) => b.startedAt ?? '');
      expect(starts).toEqual([...starts].sort().reverse());

      // The live feed reported the same build as it finished.
      const ev = await events.waitFor(() =>
        events.events.find(
          (e) =>
            e.event === 'build' &&
            (e.data as BuildEvent).ref === listed.ref &&
            (e.data as BuildEvent).type === 'completed',
        ),
      );
      expect(ev.at - finished).toBeLessThan(LISTED_WITHIN_MS);
      expect((ev.data as BuildEvent).build?.image?.id).toBe(imageId);

      const { status, body: detail } = await getJson<BuildDetail>(base, `/api/builds/${listed.ref}`);
      expect(status).toBe(200);
      expect(detail.dockerfile).toEqual({ filename: 'Dockerfile', text: dockerfile, origin: 'provenance' });
      expect(detail.error).toBeNull();
      // The doctor ran with the env of the local base image, as `lint` does.
      const env = JSON.parse(
        docker(engine, ['image', 'inspect', '--format', '{{json .Config.Env}}', 'golang:1.22']),
      ) as string[];
      const opts = { localImageEnv: (image: string) => (image === 'golang:1.22' ? env : undefined) };
      expect(detail.doctor?.findings).toEqual(lintDockerfile(dockerfile, opts).findings);
      expect(detail.doctor?.findings.map((f) => f.rule)).toContain('floating-base-tag');
      expect(detail.doctor?.fixed).toBe(fixDockerfile(dockerfile, opts).fixed);

      for (const ref of [okTag, imageId]) {
        const byImage = await getJson<BuildDetail>(base, `/api/images/${encodeURIComponent(ref)}/build`);
        expect(byImage.status).toBe(200);
        expect(byImage.body.ref).toBe(listed.ref);
        expect(byImage.body.dockerfile?.text).toBe(dockerfile);
      }

      // The CLI prints the same Dockerfile, and lists the build.
      const show = cliIO(engine);
      expect(await buildsCommand.run(['show', listed.ref, '--dockerfile'], show.io)).toBe(0);
      expect(show.out()).toBe(dockerfile);
      const table = cliIO(engine);
      expect(await buildsCommand.run([], table.io)).toBe(0);
      expect(table.out()).toMatch(
        new RegExp(
          `^${listed.ref}\\s+completed\\s.*${imageId.slice(7, 19)}\\s+${okTag.replace('.', '\\.')}$`,
          'm',
        ),
      );
      const json = cliIO(engine);
      expect(await buildsCommand.run(['--format', 'json'], json.io)).toBe(0);
      expect(
        (JSON.parse(json.out()) as { builds: BuildSummary[] }).builds.find((b) => b.ref === listed.ref)?.image
          ?.id,
      ).toBe(imageId);
    } finally {
      await events.close();
    }
  });

  it('shows a failed build with its Dockerfile, failing line and output', async () => {
    const dockerfile = `FROM ${GO_BASE}\nRUN echo ready-${run}\nRUN echo broke-${run} && \\\n    exit 3\nRUN echo never\n`;
    const build = await dockerAsync(engine, ['build', '--network=none', '-'], dockerfile);
    const finished = Date.now();
    expect(build.ok).toBe(false);
    const { build: listed, afterMs } = await listedWithin(
      base,
      (b) => (b.errorMessage ?? '').includes(`broke-${run}`),
      finished,
    );
    expect(afterMs).toBeLessThan(LISTED_WITHIN_MS);
    expect(listed.status).toBe('failed');
    expect(listed.image).toBeNull();

    const { body: detail } = await getJson<BuildDetail>(base, `/api/builds/${listed.ref}`);
    expect(detail.dockerfile).toEqual({ filename: 'Dockerfile', text: dockerfile, origin: 'error-details' });
    expect(detail.error?.location).toEqual({ filename: 'Dockerfile', startLine: 3, endLine: 4 });
    expect(detail.error?.message).toMatch(/exit code: 3/);
    expect(detail.error?.logExcerpt).toContain(`broke-${run}`);
    expect(detail.goChecksumMismatch).toBeNull();
    expect(detail.doctor).not.toBeNull();

    const text = cliIO(engine);
    expect(await buildsCommand.run(['show', listed.ref], text.io)).toBe(0);
    expect(text.out()).toMatch(/^Status: +failed$/m);
    expect(text.out()).toMatch(/^> 3 {2}RUN echo broke-/m);
    expect(text.out()).toMatch(/^> 4 {2} {4}exit 3$/m);
  });

  it('flags a real checksum mismatch from a stale cache mount, and its hint clears exactly that mount', async () => {
    const world = ensureModuleWorld();
    const id = `lens-builds-${run}`;
    const mount = `--mount=type=cache,id=${id},target=/go/pkg/mod`;
    // Build 1 fills the shared cache from the proxy that served the re-tagged v1.1.0. The run id is in the
    // command because a step's cache key ignores the mount id: a cached step would never touch the mount.
    const fill = await dockerAsync(
      engine,
      ['build', '--network=none', '-t', fillTag, '-f', '-', world.contextDir],
      `FROM ${GO_BASE}\nWORKDIR /src\nCOPY app/go.mod ./\nCOPY retagged/go.sum ./go.sum\nRUN --mount=type=bind,source=proxy-retagged,target=/proxy ${mount} GOPROXY=file:///proxy go mod download && echo ${id}\n`,
    );
    expect(fill.ok, fill.out).toBe(true);
    // Build 2: the real go.sum and the same cache mount fail on the cached .ziphash.
    const app = `FROM ${GO_BASE}\nWORKDIR /src\nCOPY app/ ./\nRUN --mount=type=bind,source=proxy,target=/proxy \\\n    ${mount} \\\n    GOPROXY=file:///proxy CGO_ENABLED=0 go build -o /out/app . && echo ${id}\n`;
    const failed = await dockerAsync(
      engine,
      ['build', '--network=none', '--progress=plain', '-f', '-', world.contextDir],
      app,
    );
    const finished = Date.now();
    expect(failed.ok).toBe(false);
    expect(failed.out).toMatch(/checksum mismatch/);

    const { build: listed, afterMs } = await listedWithin(
      base,
      (b) => b.status === 'failed' && (b.errorMessage ?? '').includes(`echo ${id}`),
      finished,
    );
    expect(afterMs).toBeLessThan(LISTED_WITHIN_MS);
    const { body: detail } = await getJson<BuildDetail>(base, `/api/builds/${listed.ref}`);
    expect(detail.dockerfile?.text).toBe(app);
    expect(detail.error?.location).toEqual({ filename: 'Dockerfile', startLine: 4, endLine: 6 });
    expect(detail.error?.logExcerpt).toContain('verifying example.com/liba@v1.1.0: checksum mismatch');
    expect(detail.goChecksumMismatch?.module).toBe('example.com/liba@v1.1.0');
    // The base image's GOPATH=/go tells the doctor that the cache mount covers the module cache.
    expect(detail.doctor?.findings.map((f) => f.rule)).not.toContain('no-module-cache-mount');
    expect(detail.doctor?.findings.map((f) => f.rule)).toContain('no-build-cache-mount');
    const hint = detail.goChecksumMismatch?.cacheMountHint;
    expect(hint?.mounts).toEqual([{ target: '/go/pkg/mod', id }]);
    expect(hint?.recordIds.length).toBeGreaterThan(0);
    const raw = await listRawBuildCache(eng);
    for (const rid of hint!.recordIds) {
      const rec = raw.find((r) => r.ID === rid);
      expect(parseCacheMountDescription(rec?.Description ?? '')?.id?.replace(/^\/+/, '')).toBe(id);
    }

    // The hint is enough to clear the stale mount: prune exactly those records and the same build passes.
    const dry = await pruneBuildCache(eng, { scope: 'ids', ids: hint!.recordIds, dryRun: true });
    const pruned = await pruneBuildCache(eng, {
      scope: 'ids',
      ids: hint!.recordIds,
      dryRun: false,
      confirm: true,
      selection: dry.selection,
    });
    expect(pruned.notDeleted ?? []).toEqual([]);
    const again = await dockerAsync(
      engine,
      ['build', '--network=none', '-t', fixedTag, '-f', '-', world.contextDir],
      app,
    );
    expect(again.ok, again.out).toBe(true);
  });

  it('answers bad and unknown references with clear errors', async () => {
    const bad = await getJson<{ error: { code: string; message: string } }>(base, '/api/builds/..%2Fetc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad-input');
    const unknown = await getJson<{ error: { code: string; message: string } }>(
      base,
      '/api/builds/zzzzzzzzzzzzzzzzzzzzzzzzz',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/no build record "zzzzzzzzzzzzzzzzzzzzzzzzz"/);
    // An image built elsewhere (imported, not built by BuildKit) has no build record.
    const imported = await getJson<{ error: { code: string; message: string } }>(
      base,
      `/api/images/${encodeURIComponent(GO_BASE)}/build`,
    );
    expect(imported.status).toBe(404);
    expect(imported.body.error.message).toMatch(/no build record for image/);
    const missing = await getJson<{ error: { code: string } }>(
      base,
      '/api/images/lens-no-such-image%3A1/build',
    );
    expect(missing.status).toBe(404);
    const show = cliIO(engine);
    await expect(buildsCommand.run(['show', 'zzzzzzzzzzzzzzzzzzzzzzzzz'], show.io)).rejects.toMatchObject({
      code: 'not-found',
    });
  });
});

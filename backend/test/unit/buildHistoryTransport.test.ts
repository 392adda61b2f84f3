import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BuildWatcher,
  ImageMatcher,
  getBuild,
  getBuildOfImage,
  listBuilds,
  listHistoryRecords,
  withBuildKit,
  type BuildEvent,
} from '../../src/docker/buildHistory.js';
import {
  decodeBuildHistoryEvent,
  encodeBuildHistoryEvent,
  type PbBuildHistoryEventType,
} from '../../src/docker/buildkitProto.js';
import { connectEngine } from '../../src/docker/engine.js';
import { GrpcSession } from '../../src/docker/grpcSession.js';

// A stand-in engine on a unix socket that speaks the protocol as Docker 26.1 does: `POST /grpc` with
// `Upgrade: h2c` answers 101 and the socket turns into an HTTP/2 server; gRPC calls get recorded
// answers. `/images/json` and `/system/df` answer JSON. No real engine is mocked here: the integration
// tests cover those; this covers the transport and the per-record fallbacks the engine cannot produce
// on demand (its content store is read-only, so a blob cannot be deleted from a test).

type GrpcAnswer =
  | { messages: Uint8Array[]; status?: number; message?: string; hold?: boolean; raw?: Buffer }
  | { trailersOnly: number; message: string }
  | { never: true };

interface FakeEngine {
  host: string;
  calls: { path: string; body: Buffer }[];
  /** Plain HTTP requests (method and URL). */
  requests: string[];
  /** Live ListenBuildHistory streams (EarlyExit=false), to push events into. */
  live: http2.ServerHttp2Stream[];
  close(): Promise<void>;
}

const dirs: string[] = [];
const servers: FakeEngine[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function frame(m: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + m.length);
  b.writeUInt32BE(m.length, 1);
  Buffer.from(m).copy(b, 5);
  return b;
}

function unframe(b: Buffer): Buffer {
  return b.subarray(5, 5 + b.readUInt32BE(1));
}

async function fakeEngine(opts: {
  grpc: (path: string, body: Buffer) => GrpcAnswer;
  images?: { Id: string; RepoTags: string[] }[];
  df?: unknown[];
  refuseUpgrade?: number;
}): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'lens-fake-engine-'));
  dirs.push(dir);
  const sock = join(dir, 'docker.sock');
  const calls: { path: string; body: Buffer }[] = [];
  const requests: string[] = [];
  const live: http2.ServerHttp2Stream[] = [];
  const h2 = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (s) => sessions.add(s));
  h2.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    stream.on('error', () => undefined); // streams the test resets on purpose
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = unframe(Buffer.concat(chunks));
      calls.push({ path, body });
      const answer = opts.grpc(path, body);
      if ('never' in answer) return;
      if ('trailersOnly' in answer) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': String(answer.trailersOnly),
            'grpc-message': encodeURIComponent(answer.message),
          },
          { endStream: true },
        );
        return;
      }
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'buildkit-current-timestamp': new Date().toISOString(),
        },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () =>
        stream.sendTrailers({
          'grpc-status': String(answer.status ?? 0),
          'grpc-message': encodeURIComponent(answer.message ?? ''),
        }),
      );
      for (const m of answer.messages) stream.write(frame(m));
      if (answer.raw) stream.write(answer.raw);
      if (answer.hold) live.push(stream);
      else stream.end();
    });
  });
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method} ${url}`);
    const json = (v: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    if (url.startsWith('/images/json'))
      return json((opts.images ?? []).map((i) => ({ ...i, RepoDigests: [], Size: 1, Created: 1 })));
    const inspect = /^\/images\/([^/]+)\/json/.exec(url);
    if (inspect) {
      const name = decodeURIComponent(inspect[1]!);
      const img = (opts.images ?? []).find((i) => i.Id === name || i.RepoTags.includes(name));
      if (!img) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ message: `No such image: ${name}` }));
      }
      return json({
        Id: img.Id,
        RepoTags: img.RepoTags,
        Size: 1,
        Created: '2026-01-01T00:00:00Z',
        RootFS: { Layers: [] },
      });
    }
    if (url.startsWith('/system/df')) return json({ BuildCache: opts.df ?? [] });
    if (url.startsWith('/grpc') && opts.refuseUpgrade) {
      res.writeHead(opts.refuseUpgrade, { 'content-type': 'application/json' });
      return res.end('{"message":"page not found"}');
    }
    res.writeHead(404);
    res.end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/grpc' || req.headers.upgrade !== 'h2c') return socket.destroy();
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    h2.emit('connection', socket);
  });
  if (opts.refuseUpgrade) server.removeAllListeners('upgrade');
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const fake: FakeEngine = {
    host: `unix://${sock}`,
    calls,
    requests,
    live,
    close: async () => {
      for (const s of live) s.destroy();
      for (const s of sessions) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(fake);
  return fake;
}

const LISTEN = '/moby.buildkit.v1.Control/ListenBuildHistory';
const READ = '/containerd.services.content.v1.Content/Read';
const DOCKERFILE = 'FROM scratch\nCOPY app /app\n';

function ts(sec: number) {
  return { seconds: sec, nanos: 0 };
}

function configOf(n: number): string {
  return JSON.stringify({ architecture: 'amd64', os: 'linux', n });
}

function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function event(
  type: PbBuildHistoryEventType,
  ref: string,
  n: number,
  extra: Record<string, unknown> = {},
): Uint8Array {
  return encodeBuildHistoryEvent({
    type,
    record: {
      ref,
      frontendAttrs: { filename: 'Dockerfile' },
      createdAt: ts(1_800_000_000 + n * 10),
      completedAt: type === 'STARTED' ? null : ts(1_800_000_000 + n * 10 + 2),
      exporterResponse: { 'containerimage.config': configOf(n) },
      result: {
        attestations: [
          {
            mediaType: 'application/vnd.in-toto+json',
            digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
            size: 100,
            annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
          },
        ],
      },
      numTotalSteps: 3,
      numCompletedSteps: type === 'STARTED' ? 1 : 3,
      ...extra,
    },
  });
}

/** ReadContentResponse messages {offset=1, data=2}, in two chunks as the content service streams them. */
function provenance(text: string): Uint8Array[] {
  const body = Buffer.from(
    JSON.stringify({
      metadata: {
        'https://mobyproject.org/buildkit@v1#metadata': {
          source: {
            infos: [
              { filename: 'Dockerfile', language: 'Dockerfile', data: Buffer.from(text).toString('base64') },
            ],
          },
        },
      },
    }),
  );
  const half = Math.floor(body.length / 2);
  return [chunk(body.subarray(0, half)), chunk(body.subarray(half))];
}

function chunk(data: Buffer): Buffer {
  const varint: number[] = [];
  let v = data.length;
  while (v > 0x7f) {
    varint.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  varint.push(v);
  return Buffer.concat([Buffer.from([0x12, ...varint]), data]);
}

function readDigest(body: Buffer): string {
  // ReadContentRequest{digest=1}: tag 0x0a, one-byte length for sha256 digests.
  return body.subarray(2, 2 + body[1]!).toString();
}

describe('BuildKit session over a stand-in engine', () => {
  it('lists builds newest first with their images, and reads one with its Dockerfile', async () => {
    const present = `sha256:${'1'.repeat(64)}`;
    const fake = await fakeEngine({
      images: [{ Id: digestOf(configOf(2)), RepoTags: ['app:2'] }],
      grpc: (path, body) => {
        if (path === LISTEN) {
          const req = decodeBuildHistoryRequest(body);
          const all = [event('COMPLETE', 'older1', 1), event('COMPLETE', 'newer2', 2)];
          return {
            messages: req.ref ? all.filter((m) => decodeBuildHistoryEvent(m).record?.ref === req.ref) : all,
          };
        }
        if (path === READ) {
          const d = readDigest(body);
          if (d === present) return { messages: provenance(DOCKERFILE) };
          return {
            trailersOnly: 5,
            message: `rpc error: code = NotFound desc = content digest ${d}: not found`,
          };
        }
        return { trailersOnly: 12, message: 'unknown method' };
      },
    });
    const engine = connectEngine(fake.host);
    const builds = await listBuilds(engine);
    expect(builds.map((b) => [b.ref, b.name, b.image?.id ?? null])).toEqual([
      ['newer2', 'app:2', digestOf(configOf(2))],
      ['older1', 'Dockerfile', null],
    ]);
    expect(builds[0]!.durationMs).toBe(2000);

    // older1's provenance blob is present; newer2's is gone: it is answered without its source.
    const older = await getBuild(engine, 'older1');
    expect(older.dockerfile).toEqual({ filename: 'Dockerfile', text: DOCKERFILE, origin: 'provenance' });
    const newer = await getBuild(engine, 'newer2');
    expect(newer.dockerfile).toBeNull();
    expect(newer.sourceUnavailable).toMatch(/no longer in BuildKit's store/);
    expect(newer.image?.tags).toEqual(['app:2']);

    const byImage = await getBuildOfImage(engine, 'app:2');
    expect(byImage.ref).toBe('newer2');
    await expect(getBuild(engine, 'missing9')).rejects.toMatchObject({ code: 'not-found' });
    await expect(getBuild(engine, '../etc')).rejects.toMatchObject({ code: 'bad-input' });
    await expect(getBuildOfImage(engine, 'nothere:1')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('reuses one listing of local images for a few seconds and inspects only builds finished since', async () => {
    const images = [{ Id: digestOf(configOf(1)), RepoTags: ['one:1'] }];
    const history = [event('COMPLETE', 'first1', 1), event('STARTED', 'second2', 2)];
    const fake = await fakeEngine({
      images,
      grpc: (path) => (path === LISTEN ? { messages: [...history] } : { trailersOnly: 12, message: 'no' }),
    });
    const engine = connectEngine(fake.host);
    const first = await listBuilds(engine);
    expect(first.map((b) => [b.ref, b.status, b.image?.tags ?? null])).toEqual([
      ['second2', 'running', null],
      ['first1', 'completed', ['one:1']],
    ]);
    // second2 finishes and its image appears: found by inspecting its candidates, without a new listing.
    history[1] = event('COMPLETE', 'second2', 2);
    images.push({ Id: digestOf(configOf(2)), RepoTags: ['two:2'] });
    const second = await listBuilds(engine);
    expect(second.map((b) => b.image?.tags ?? null)).toEqual([['two:2'], ['one:1']]);
    expect(fake.requests.filter((r) => r.startsWith('GET /images/json'))).toHaveLength(1);
    expect(fake.requests.filter((r) => /^GET \/images\/sha256.*\/json/.test(r)).length).toBeGreaterThan(0);
    // A third listing inspects nothing new.
    const inspections = fake.requests.length;
    await listBuilds(engine, { limit: 1 });
    expect(fake.requests.length).toBe(inspections);
  });

  it('refreshes an old listing in the background and forgets deleted images', async () => {
    const images = [
      { Id: digestOf(configOf(1)), RepoTags: ['one:1'] },
      { Id: digestOf(configOf(2)), RepoTags: ['two:2'] },
    ];
    const fake = await fakeEngine({ images, grpc: () => ({ messages: [] }) });
    const matcher = new ImageMatcher(connectEngine(fake.host), 0);
    const records = [1, 2].map((n) => decodeBuildHistoryEvent(event('COMPLETE', `r${n}`, n)).record!);
    expect([...(await matcher.forRecords(records)).keys()]).toHaveLength(2);
    images.splice(1, 1); // two:2 is deleted
    // The old listing answers at once; a new one is taken meanwhile.
    expect([...(await matcher.forRecords(records)).keys()]).toHaveLength(2);
    await matcher.settled();
    expect([...(await matcher.forRecords(records)).values()].map((i) => i.tags)).toEqual([['one:1']]);
    expect(fake.requests.filter((r) => r.startsWith('GET /images/json')).length).toBeGreaterThanOrEqual(2);
  });

  it('maps gRPC and HTTP failures to clear errors', async () => {
    const fake = await fakeEngine({
      grpc: (path) =>
        path === LISTEN
          ? { messages: [], status: 14, message: 'rpc error: code = Unavailable desc = shutting down' }
          : { trailersOnly: 12, message: 'unknown service' },
    });
    const engine = connectEngine(fake.host);
    await expect(listBuilds(engine)).rejects.toMatchObject({
      code: 'engine-unavailable',
      message: 'BuildKit ListenBuildHistory: shutting down',
    });
    await expect(
      withBuildKit(engine, undefined, (s) => s.unary('/x.Y/Z', new Uint8Array())),
    ).rejects.toMatchObject({ code: 'unsupported' });

    const old = await fakeEngine({ grpc: () => ({ messages: [] }), refuseUpgrade: 404 });
    await expect(listBuilds(connectEngine(old.host))).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/does not serve BuildKit over \/grpc \(HTTP 404\)/),
    });

    const dir = mkdtempSync(join(tmpdir(), 'lens-no-engine-'));
    dirs.push(dir);
    await expect(listBuilds(connectEngine(`unix://${join(dir, 'none.sock')}`))).rejects.toMatchObject({
      code: 'engine-unavailable',
    });
  });

  it('times out a call the engine never answers, and honours abort', async () => {
    const fake = await fakeEngine({ grpc: () => ({ never: true }) });
    const engine = connectEngine(fake.host);
    const started = Date.now();
    await expect(
      withBuildKit(engine, undefined, (s) => listHistoryRecords(s, { timeoutMs: 200 })),
    ).rejects.toMatchObject({
      code: 'engine-unavailable',
      message: expect.stringMatching(/did not answer within/),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    const ac = new AbortController();
    const pending = withBuildKit(engine, ac.signal, (s) => listHistoryRecords(s, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('rejects answers that break the framing', async () => {
    const compressed = Buffer.from([1, 0, 0, 0, 1, 0]);
    const truncated = Buffer.from([0, 0, 0, 0, 9, 1, 2]);
    const huge = Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]);
    const fake = await fakeEngine({
      grpc: (path) =>
        path === '/a.B/Compressed'
          ? { messages: [], raw: compressed }
          : path === '/a.B/Truncated'
            ? { messages: [], raw: truncated }
            : path === '/a.B/Huge'
              ? { messages: [], raw: huge }
              : { messages: [] },
    });
    const session = await GrpcSession.open(connectEngine(fake.host));
    try {
      await expect(session.unary('/a.B/Empty', new Uint8Array())).rejects.toMatchObject({
        message: 'BuildKit Empty sent no answer',
      });
      await expect(session.unary('/a.B/Compressed', new Uint8Array())).rejects.toMatchObject({
        code: 'unsupported',
      });
      await expect(session.unary('/a.B/Truncated', new Uint8Array())).rejects.toMatchObject({
        message: 'BuildKit Truncated ended inside a message',
      });
      await expect(session.unary('/a.B/Huge', new Uint8Array())).rejects.toMatchObject({ code: 'too-large' });
      // The session survives a failed call.
      await expect(session.unary('/a.B/Empty', new Uint8Array())).rejects.toMatchObject({
        code: 'engine-error',
      });
    } finally {
      session.close();
    }
  });

  it('the watcher reports only builds that change after it went live, once each', async () => {
    const fake = await fakeEngine({
      images: [{ Id: digestOf(configOf(3)), RepoTags: ['new:3'] }],
      grpc: (path, body) => {
        if (path !== LISTEN) return { trailersOnly: 12, message: 'no' };
        const old = event('COMPLETE', 'old1', 1);
        if (decodeBuildHistoryRequest(body).earlyExit) return { messages: [old] };
        // The live stream replays what exists first.
        return { messages: [old], hold: true };
      },
    });
    const watcher = new BuildWatcher(connectEngine(fake.host), { retryMs: 50 });
    const events: BuildEvent[] = [];
    const states: string[] = [];
    let live!: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    const stop = watcher.subscribe(
      (e) => events.push(e),
      (s) => {
        states.push(s.state);
        if (s.state === 'live') live();
      },
    );
    try {
      await isLive;
      await waitFor(() => fake.live.length === 1);
      const stream = fake.live[0]!;
      stream.write(frame(event('STARTED', 'new3', 3)));
      stream.write(frame(event('COMPLETE', 'new3', 3)));
      // Sent again when BuildKit attaches the trace: a new generation, nothing new to report.
      stream.write(
        frame(event('COMPLETE', 'new3', 3, { generation: 1, trace: { digest: 'sha256:t', mediaType: 't' } })),
      );
      stream.write(frame(event('DELETED', 'old1', 1)));
      await waitFor(() => events.length >= 3);
      await new Promise((r) => setTimeout(r, 100));
      expect(events.map((e) => [e.type, e.ref, e.build?.status ?? null])).toEqual([
        ['started', 'new3', 'running'],
        ['completed', 'new3', 'completed'],
        ['deleted', 'old1', null],
      ]);
      expect(events[1]!.build?.image?.tags).toEqual(['new:3']);
      expect(states).toEqual(['connecting', 'live']);

      // The engine drops the stream: the watcher says so and comes back.
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      await waitFor(() => states.includes('retrying'));
      await waitFor(() => states.filter((s) => s === 'live').length === 2);
    } finally {
      stop();
    }
    // The last subscriber gone, the stream is closed.
    await waitFor(() => fake.live.every((s) => s.closed || s.destroyed));
  });
});

function decodeBuildHistoryRequest(body: Buffer): { ref: string; earlyExit: boolean } {
  // BuildHistoryRequest{ActiveOnly=1, Ref=2, EarlyExit=3}, decoded by hand to check what the client sent.
  let ref = '';
  let earlyExit = false;
  let p = 0;
  while (p < body.length) {
    const tag = body[p++]!;
    if (tag === 0x12) {
      const len = body[p++]!;
      ref = body.subarray(p, p + len).toString();
      p += len;
    } else if (tag === 0x18) earlyExit = body[p++] === 1;
    else p++;
  }
  return { ref, earlyExit };
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  checkBuildDetail,
  checkBuildFeedMessage,
  fetchTransport,
  LensClient,
  type Transport,
} from '../../src/api/client';
import type { LayerReport } from '../../src/api/types';
import {
  formatDuration,
  instructionAt,
  instructionKey,
  layerKey,
  layerOfFinding,
} from '../../src/lib/builds';
import { createLensStore } from '../../src/store';
import { filterBuilds } from '../../src/store/builds';
import { formatHash, parseHash } from '../../src/store/nav';
import {
  buildsAnswer,
  failedBuild,
  mismatchBuild,
  OK_DOCKERFILE,
  okBuild,
  okDetail,
  runningBuild,
} from '../support/buildData';
import { SINGLE_ID, singleStageResult } from '../support/data';
import { eventually, fakeTransport, memoryStorage, sleep, type Routes } from '../support/fakeTransport';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

/** A fake server-sent event feed: `push` delivers an event, `fail` breaks the stream. */
function fakeFeed() {
  const opened: string[] = [];
  let handlers: { onMessage(data: unknown, event?: string): void; onError(): void } | undefined;
  let closed = 0;
  const events: Transport['events'] = (path, h) => {
    opened.push(path);
    handlers = h;
    return { close: () => void closed++ };
  };
  return {
    events,
    opened,
    closed: () => closed,
    push: (event: string, data: unknown) => handlers!.onMessage(data, event),
    fail: () => handlers!.onError(),
  };
}

function setup(routes: Routes, opts: { events?: Transport['events']; buildsPollMs?: number } = {}) {
  const fake = fakeTransport(routes, { events: opts.events });
  const store = createLensStore({
    client: fake.client,
    storage: memoryStorage(),
    buildsPollMs: opts.buildsPollMs ?? 30,
  });
  return { ...fake, store };
}

const listCalls = (calls: { path: string }[]) => calls.filter((c) => c.path.startsWith('/api/builds?'));

describe('builds slice', () => {
  it('lists builds, newest first as the backend sends them, asking for at most 200', async () => {
    const { store, calls } = setup({ 'GET /api/builds': buildsAnswer });
    await store.getState().loadBuilds();
    expect(store.getState().builds.data?.map((b) => b.ref)).toEqual(buildsAnswer.builds.map((b) => b.ref));
    expect(calls[0]?.path).toBe('/api/builds?limit=200');
  });

  it('keeps the last list and reports the error when the engine fails', async () => {
    let fail = false;
    const { store } = setup({
      'GET /api/builds': () => {
        if (fail) throw new ApiError('engine-unavailable', 'engine gone', 503);
        return buildsAnswer;
      },
    });
    await store.getState().loadBuilds();
    fail = true;
    await store.getState().loadBuilds();
    expect(store.getState().builds).toMatchObject({
      status: 'error',
      error: { code: 'engine-unavailable' },
      data: buildsAnswer.builds,
    });
  });

  it('follows the live feed: catches up when live, adds started builds, updates finished ones, drops deleted', async () => {
    const feed = fakeFeed();
    let detailReads = 0;
    const { store, calls } = setup(
      {
        'GET /api/builds': buildsAnswer,
        [`GET /api/builds/${runningBuild.ref}`]: () => {
          detailReads++;
          return { ...okDetail, ...runningBuild, status: detailReads > 1 ? 'completed' : 'running' };
        },
      },
      { events: feed.events },
    );
    const stop = store.getState().watchBuilds();
    stops.push(stop);
    expect(feed.opened).toEqual(['/api/builds/events']);
    expect(store.getState().buildsFeed).toBe('connecting');
    await eventually(() => expect(store.getState().builds.status).toBe('ready'));
    feed.push('state', { state: 'live' });
    expect(store.getState().buildsFeed).toBe('live');
    // Builds that finished before the feed was live are listed once more.
    await eventually(() => expect(listCalls(calls)).toHaveLength(2));

    feed.push('build', { type: 'started', ref: runningBuild.ref, build: runningBuild });
    expect(store.getState().builds.data?.[0]?.ref).toBe(runningBuild.ref);
    await store.getState().loadBuild(runningBuild.ref);
    expect(detailReads).toBe(1);

    // Finished: the list entry is replaced and the detail someone looked at is read again.
    const done = { ...runningBuild, status: 'completed', completedAt: '2024-06-03T11:00:09.000Z' };
    feed.push('build', { type: 'completed', ref: runningBuild.ref, build: done });
    expect(store.getState().builds.data?.[0]).toMatchObject({ ref: runningBuild.ref, status: 'completed' });
    await eventually(() =>
      expect(store.getState().buildDetails[runningBuild.ref]?.data?.status).toBe('completed'),
    );
    expect(store.getState().builds.data).toHaveLength(4);

    feed.push('build', { type: 'deleted', ref: failedBuild.ref });
    expect(store.getState().builds.data?.map((b) => b.ref)).not.toContain(failedBuild.ref);
    // Messages that are not build events are ignored.
    feed.push('build', { type: 'exploded', ref: 'x' });
    feed.push('build', 'nonsense');
    expect(store.getState().builds.data).toHaveLength(3);

    stop();
    expect(feed.closed()).toBe(1);
    expect(store.getState().buildsFeed).toBe('off');
  });

  it('opens a broken feed again and lists again once it is live', async () => {
    const feed = fakeFeed();
    const { store, calls } = setup(
      { 'GET /api/builds': buildsAnswer },
      { events: feed.events, buildsPollMs: 20 },
    );
    stops.push(store.getState().watchBuilds());
    await eventually(() => expect(store.getState().builds.status).toBe('ready'));
    feed.fail();
    expect(store.getState().buildsFeed).toBe('retrying');
    expect(feed.closed()).toBe(1);
    await eventually(() => expect(feed.opened).toHaveLength(2));
    const before = listCalls(calls).length;
    feed.push('state', { state: 'live' });
    await eventually(() => expect(listCalls(calls).length).toBe(before + 1));
  });

  it('applies feed messages that arrive while the list loads to its answer', async () => {
    const feed = fakeFeed();
    let release: (() => void) | undefined;
    const { store } = setup(
      {
        'GET /api/builds': () =>
          new Promise((resolve) => {
            release = () => resolve(buildsAnswer);
          }),
      },
      { events: feed.events },
    );
    stops.push(store.getState().watchBuilds());
    await eventually(() => expect(release).toBeDefined());
    feed.push('build', { type: 'started', ref: runningBuild.ref, build: runningBuild });
    release!();
    await eventually(() => expect(store.getState().builds.data?.[0]?.ref).toBe(runningBuild.ref));
  });

  it('polls the list inside Docker Desktop (no event stream) until nobody watches', async () => {
    const { store, calls } = setup({ 'GET /api/builds': buildsAnswer }, { buildsPollMs: 15 });
    const stopA = store.getState().watchBuilds();
    const stopB = store.getState().watchBuilds();
    expect(store.getState().buildsFeed).toBe('polling');
    await eventually(() => expect(listCalls(calls).length).toBeGreaterThanOrEqual(3));
    stopA();
    expect(store.getState().buildsFeed).toBe('polling');
    stopB();
    stopB();
    expect(store.getState().buildsFeed).toBe('off');
    const n = listCalls(calls).length;
    await sleep(80);
    expect(listCalls(calls).length).toBeLessThanOrEqual(n + 1);
  });

  it('loads the build of an image, or null when no record matches', async () => {
    const { store } = setup({
      [`GET /api/images/${encodeURIComponent(SINGLE_ID)}/build`]: okDetail,
      'GET /api/images/other/build': () => {
        throw new ApiError('not-found', 'no build record for image "other"', 404);
      },
      'GET /api/images/broken/build': () => {
        throw new ApiError('engine-unavailable', 'engine gone', 503);
      },
    });
    await store.getState().loadImageBuild(SINGLE_ID);
    expect(store.getState().imageBuilds[SINGLE_ID]?.data?.ref).toBe(okBuild.ref);
    // The detail is kept for the build page too.
    expect(store.getState().buildDetails[okBuild.ref]?.status).toBe('ready');
    await store.getState().loadImageBuild('other');
    expect(store.getState().imageBuilds.other).toEqual({ status: 'ready', data: null });
    await store.getState().loadImageBuild('broken');
    expect(store.getState().imageBuilds.broken).toMatchObject({
      status: 'error',
      error: { code: 'engine-unavailable' },
    });
  });

  it('prefetches details two at a time, newest request first, never twice', async () => {
    let active = 0;
    let most = 0;
    const seen: string[] = [];
    const { store } = setup({
      'GET /api/builds/*': async (_b: unknown, path: string) => {
        const ref = path.split('/').pop()!;
        seen.push(ref);
        active++;
        most = Math.max(most, active);
        await sleep(10);
        active--;
        return { ...okDetail, ref };
      },
    });
    store.getState().prefetchBuildDetails(['a1', 'a2', 'a3', 'a4']);
    store.getState().prefetchBuildDetails(['a1', 'b1', 'b2']);
    await eventually(() => expect(store.getState().buildDetails.b2?.status).toBe('ready'));
    expect(most).toBe(2);
    expect(seen).toEqual(['a1', 'a2', 'b1', 'b2']);
    store.getState().prefetchBuildDetails(['a1', 'b1']);
    await sleep(20);
    expect(seen).toHaveLength(4);
  });

  it('filters by text and failed only', () => {
    const list = [okBuild, failedBuild, mismatchBuild, runningBuild];
    expect(filterBuilds(list, { text: '', failedOnly: true }).map((b) => b.ref)).toEqual([
      failedBuild.ref,
      mismatchBuild.ref,
    ]);
    expect(filterBuilds(list, { text: 'SINGLE', failedOnly: false })).toEqual([okBuild]);
    expect(filterBuilds(list, { text: 'brun4', failedOnly: false })).toEqual([runningBuild]);
  });
});

describe('build API answers', () => {
  it('reads a build detail and tolerates missing optional parts', () => {
    const d = checkBuildDetail({
      ...okBuild,
      target: '',
      durationMs: -1,
      dockerfile: null,
      error: { message: 'x', code: 2, location: { filename: 'Dockerfile', startLine: 0, endLine: 0 } },
      goChecksumMismatch: { module: 'm@v1', cacheMountHint: null },
      doctor: null,
    });
    expect(d).toMatchObject({
      target: null,
      durationMs: null,
      dockerfile: null,
      error: { location: null, logExcerpt: null },
      goChecksumMismatch: { module: 'm@v1', cacheMountHint: null },
      doctor: null,
      doctorError: null,
    });
    expect(checkBuildDetail(okDetail).doctor?.findings[1]).toMatchObject({ line: 4, endLine: 5 });
    expect(() => checkBuildDetail({ name: 'no ref' })).toThrow(/Unexpected answer/);
  });

  it('reads feed messages by event name', () => {
    expect(
      checkBuildFeedMessage({ state: 'retrying', error: { code: 'x', message: 'down' } }, 'state'),
    ).toEqual({
      kind: 'state',
      state: 'retrying',
      error: 'down',
    });
    expect(checkBuildFeedMessage({ type: 'deleted', ref: 'r' }, 'build')).toEqual({
      kind: 'build',
      type: 'deleted',
      ref: 'r',
    });
    expect(checkBuildFeedMessage({ type: 'completed', ref: 'r' }, 'build')).toBeUndefined();
    expect(checkBuildFeedMessage({ state: 'weird' }, 'state')).toBeUndefined();
  });

  it('passes the event name of the build feed through the standalone transport, token in the query', () => {
    const listeners: Record<string, (ev: MessageEvent) => void> = {};
    let url = '';
    class FakeES {
      onmessage: ((ev: MessageEvent) => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(u: string) {
        url = u;
      }
      addEventListener(name: string, fn: (ev: MessageEvent) => void) {
        listeners[name] = fn;
      }
      close() {}
    }
    const client = new LensClient(
      fetchTransport({ token: 't', fetch: vi.fn(), EventSource: FakeES as unknown as typeof EventSource }),
    );
    const got: unknown[] = [];
    client.watchBuilds({ onMessage: (m) => got.push(m), onError: () => undefined });
    expect(url).toBe('/api/builds/events?token=t');
    listeners.state!({ type: 'state', data: JSON.stringify({ state: 'live' }) } as MessageEvent);
    listeners.build!({
      type: 'build',
      data: JSON.stringify({ type: 'started', ref: runningBuild.ref, build: runningBuild }),
    } as MessageEvent);
    expect(got).toEqual([
      { kind: 'state', state: 'live' },
      { kind: 'build', type: 'started', ref: runningBuild.ref, build: runningBuild },
    ]);
  });

  it('has no build feed inside Docker Desktop', () => {
    expect(
      fakeTransport({}, { kind: 'desktop' }).client.watchBuilds({ onMessage: vi.fn(), onError: vi.fn() }),
    ).toBe(undefined);
  });

  it('routes #/builds and #/builds/<ref>', () => {
    expect(parseHash('#/builds')).toEqual({ view: 'builds' });
    expect(parseHash('#/builds/abc%2Fdef')).toEqual({ view: 'build', buildRef: 'abc/def' });
    expect(formatHash({ view: 'build', buildRef: 'r1' })).toBe('#/builds/r1');
    expect(formatHash({ view: 'build' })).toBe('#/builds');
  });
});

describe('build helpers', () => {
  it('formats durations', () => {
    expect(formatDuration(141)).toBe('141 ms');
    expect(formatDuration(1700)).toBe('1.7 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
    expect(formatDuration(null)).toBe('—');
  });

  it('reads an instruction with its continuation lines, skipping comments inside it', () => {
    const text = 'FROM x\nRUN a \\\n  # note\n\n    && b\nCMD c\n';
    expect(instructionAt(text, 2)?.replace(/\s+/g, ' ')).toBe('RUN a && b');
    expect(instructionAt(text, 6)).toBe('CMD c');
    expect(instructionAt(text, 99)).toBeUndefined();
  });

  it('compares Dockerfile instructions with image history the way BuildKit records them', () => {
    expect(instructionKey('RUN --mount=type=cache,target=/go/pkg/mod  go  mod download')).toBe(
      'RUN go mod download',
    );
    expect(layerKey('RUN /bin/sh -c go mod download # buildkit')).toBe('RUN go mod download');
    expect(layerKey('RUN |2 TARGETOS=linux TARGETARCH=amd64 /bin/sh -c go build . # buildkit')).toBe(
      'RUN go build .',
    );
    expect(instructionKey('RUN ["go", "build", "."]')).toBe('RUN go build .');
    expect(instructionKey('COPY --from=build --chown=1000:1000 /out/app /app')).toBe(
      layerKey('COPY --chown=1000:1000 /out/app /app # buildkit'),
    );
    expect(instructionKey('ENV A=1')).toBeUndefined();
    expect(instructionKey('FROM golang')).toBeUndefined();
  });

  it('finds the layer a Dockerfile finding is about', () => {
    const layers: LayerReport[] = singleStageResult.layers;
    const [base, download, build] = [{ line: 1 }, { line: 4 }, { line: 6 }].map(
      (f) => layerOfFinding(f, OK_DOCKERFILE, layers)?.index,
    );
    expect([base, download, build]).toEqual([undefined, 2, 3]);
    // A step of another stage (not in the image) links nowhere.
    expect(layerOfFinding({ line: 2 }, 'FROM a\nRUN go generate ./...\n', layers)).toBeUndefined();
  });
});

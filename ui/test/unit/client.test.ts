import { describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  LensClient,
  desktopError,
  desktopTransport,
  fetchTransport,
  path,
  query,
  type DesktopClient,
} from '../../src/api/client';
import { SINGLE_ID, singleStageResult } from '../support/data';
import { fakeTransport } from '../support/fakeTransport';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

describe('URL parts', () => {
  it('encodes every interpolated value and nothing else', () => {
    expect(path`/api/images/${'sha256:ab/../x'}/history`).toBe('/api/images/sha256%3Aab%2F..%2Fx/history');
    expect(query({ image: 'repo/name:tag', limit: 5, skip: undefined })).toBe(
      '?image=repo%2Fname%3Atag&limit=5',
    );
    expect(query({})).toBe('');
  });

  it('sends image ids and references encoded to the backend', async () => {
    const { client, calls } = fakeTransport({ 'GET *': { layers: [] } });
    await client.history('lens-fixture/single-stage:latest');
    expect(calls[0]?.path).toBe('/api/images/lens-fixture%2Fsingle-stage%3Alatest/history');
  });
});

describe('fetchTransport', () => {
  it('sends the Bearer token and JSON body, and parses the answer', async () => {
    const fetch = vi.fn(async () => jsonResponse(202, { id: 'j1', status: 'queued', imageId: SINGLE_ID }));
    const client = new LensClient(fetchTransport({ token: 't0k', fetch }));
    await expect(client.startAnalysis('img')).resolves.toEqual({
      id: 'j1',
      status: 'queued',
      imageId: SINGLE_ID,
    });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/analyses');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer t0k');
    expect(JSON.parse(String(init.body))).toEqual({ image: 'img' });
  });

  it("turns the backend's {error:{code,message}} into an ApiError", async () => {
    const fetch = vi.fn(async () =>
      jsonResponse(503, { error: { code: 'engine-unavailable', message: 'engine gone' } }),
    );
    const client = new LensClient(fetchTransport({ fetch }));
    const err = await client.images().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'engine-unavailable', message: 'engine gone', status: 503 });
  });

  it('reports a backend that does not answer, and answers that are not the expected shape', async () => {
    const down = new LensClient(
      fetchTransport({ fetch: vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))) }),
    );
    await expect(down.health()).rejects.toMatchObject({ code: 'network' });
    const html = new LensClient(
      fetchTransport({ fetch: vi.fn(async () => new Response('<html>', { status: 200 })) }),
    );
    await expect(html.images()).rejects.toMatchObject({ code: 'bad-response' });
    const wrong = new LensClient(
      fetchTransport({ fetch: vi.fn(async () => jsonResponse(200, { images: 'nope' })) }),
    );
    await expect(wrong.images()).rejects.toMatchObject({ code: 'bad-response' });
  });

  it('streams job events with the token in the query string', () => {
    const instances: {
      url: string;
      listeners: Record<string, (ev: MessageEvent) => void>;
      closed: boolean;
    }[] = [];
    class FakeES {
      onmessage: ((ev: MessageEvent) => void) | null = null;
      onerror: (() => void) | null = null;
      entry: (typeof instances)[number];
      constructor(url: string) {
        this.entry = { url, listeners: {}, closed: false };
        instances.push(this.entry);
      }
      addEventListener(name: string, fn: (ev: MessageEvent) => void) {
        this.entry.listeners[name] = fn;
      }
      close() {
        this.entry.closed = true;
      }
    }
    const client = new LensClient(
      fetchTransport({ token: 'a b', fetch: vi.fn(), EventSource: FakeES as unknown as typeof EventSource }),
    );
    const updates: unknown[] = [];
    const onEnd = vi.fn();
    client.watchAnalysis('job/1', { onUpdate: (u) => updates.push(u), onEnd });
    const es = instances[0]!;
    expect(es.url).toBe('/api/analyses/job%2F1/events?token=a%20b');
    es.listeners.progress!({
      data: JSON.stringify({ id: 'job/1', status: 'running', progress: { bytesRead: 5, bytesTotal: 10 } }),
    } as MessageEvent);
    es.listeners.done!({
      data: JSON.stringify({
        id: 'job/1',
        status: 'done',
        progress: { bytesRead: 10, bytesTotal: 10 },
        result: singleStageResult,
      }),
    } as MessageEvent);
    expect(updates[0]).toMatchObject({ status: 'running', progress: { bytesRead: 5, bytesTotal: 10 } });
    expect(updates[1]).toMatchObject({ status: 'done', result: { summary: { polluted: true } } });
    expect(es.closed).toBe(true);
    expect(onEnd).toHaveBeenCalledOnce();
  });
});

describe('desktopTransport', () => {
  function dd(service: Partial<Record<'get' | 'post' | 'delete', (...a: unknown[]) => Promise<unknown>>>) {
    return { extension: { vm: { service } }, desktopUI: {} } as unknown as DesktopClient;
  }

  it('goes through ddClient.extension.vm.service and has no event stream', async () => {
    const get = vi.fn(async () => ({ images: [] }));
    const post = vi.fn(async () => ({ findings: [] }));
    const del = vi.fn(async () => ({}));
    const client = new LensClient(desktopTransport(dd({ get, post, delete: del })));
    expect(client.kind).toBe('desktop');
    expect(client.hasEvents).toBe(false);
    await client.images();
    await client.lint('FROM x');
    await client.cancelAnalysis('j 1');
    expect(get).toHaveBeenCalledWith('/api/images');
    expect(post).toHaveBeenCalledWith('/api/dockerfile/lint', { content: 'FROM x' });
    expect(del).toHaveBeenCalledWith('/api/analyses/j%201');
  });

  it('finds the backend error in the shapes Docker Desktop rejects with', async () => {
    const body = JSON.stringify({ error: { code: 'not-found', message: 'no such image' } });
    expect(desktopError({ message: body, statusCode: 404 })).toMatchObject({
      code: 'not-found',
      message: 'no such image',
      status: 404,
    });
    expect(desktopError({ error: { code: 'conflict', message: 'changed' } })).toMatchObject({
      code: 'conflict',
    });
    expect(desktopError({ message: 'socket hang up' })).toMatchObject({
      code: 'internal',
      message: 'socket hang up',
    });
    expect(desktopError(new Error('boom'))).toMatchObject({ code: 'network', message: 'boom' });
    const client = new LensClient(
      desktopTransport(dd({ get: () => Promise.reject({ message: body, statusCode: 404 }) })),
    );
    await expect(client.history('x')).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('response checks', () => {
  it('reads the compare, prune and past-analysis shapes of the backend', async () => {
    const { client, calls } = fakeTransport({
      'GET /api/compare': {
        images: [
          {
            image: 'a',
            imageId: 'sha256:a',
            ref: 'a:latest',
            analyzedAt: '2024-01-01T00:00:00Z',
            totalBytes: 100,
            categories: {
              sharedBaseLayers: 50,
              goModuleCache: 20,
              goBuildCache: 10,
              wastedByLaterDeletes: 5,
              rest: 15,
            },
          },
        ],
      },
      'POST /api/build-cache/prune': (body) => ({
        dryRun: (body as { dryRun: boolean }).dryRun,
        records: ['r1'],
        bytes: 10,
        selection: 'tok',
        skipped: [{ id: 'r2', reason: 'in-use' }],
      }),
      'GET /api/analyses': {
        analyses: [
          {
            imageId: 'i',
            ref: 'r',
            analyzedAt: '2024-01-01T00:00:00Z',
            sizeBytes: 5,
            summary: singleStageResult.summary,
            findings: 2,
          },
          {
            imageId: 'i',
            ref: 'r',
            analyzedAt: '2024-03-01T00:00:00Z',
            sizeBytes: 6,
            summary: singleStageResult.summary,
            findings: 2,
          },
        ],
      },
    });
    const [entry] = await client.compare(['a', 'b/c']);
    expect(calls[0]?.path).toBe('/api/compare?images=a%2Cb%2Fc');
    expect(entry?.breakdown).toEqual({ base: 50, moduleCache: 20, buildCache: 10, wasted: 5, rest: 15 });
    const plan = await client.prune({ scope: 'go-caches' }, { dryRun: true });
    expect(plan).toMatchObject({ selection: 'tok', skipped: [{ id: 'r2', reason: 'in-use' }] });
    await client.prune({ scope: 'go-caches' }, { dryRun: false, confirm: true, selection: 'tok' });
    expect(calls[2]?.body).toEqual({ scope: 'go-caches', dryRun: false, confirm: true, selection: 'tok' });
    const past = await client.pastAnalyses('r', 10);
    expect(calls[3]?.path).toBe('/api/analyses?image=r&limit=10');
    expect(past.map((p) => p.sizeBytes)).toEqual([6, 5]);
  });

  it('rejects an analysis result without layers', async () => {
    const { client } = fakeTransport({
      'GET *': { id: 'j', image: 'x', status: 'done', progress: {}, result: { image: {}, summary: {} } },
    });
    await expect(client.analysis('j')).rejects.toMatchObject({ code: 'bad-response' });
  });

  it('answers undefined when the backend keeps no stored full result', async () => {
    const { client } = fakeTransport({});
    await expect(client.storedResult(SINGLE_ID)).resolves.toBeUndefined();
  });
});

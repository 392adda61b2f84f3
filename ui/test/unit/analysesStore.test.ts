import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type DesktopClient } from '../../src/api/client';
import { createLensStore } from '../../src/store';
import { batchProgress } from '../../src/store/analyses';
import type { LensState } from '../../src/store/types';
import type { StoreApi } from 'zustand/vanilla';
import { CLEAN_ID, imagesAnswer, SINGLE_ID, singleStageResult } from '../support/data';
import { eventually, fakeTransport, memoryStorage, type Routes } from '../support/fakeTransport';

const stores: StoreApi<LensState>[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.getState().stopJobWatchers();
});

function setup(routes: Routes, storage = memoryStorage()) {
  const fake = fakeTransport({ 'GET /api/images': imagesAnswer, ...routes });
  const store = createLensStore({ client: fake.client, storage, pollMs: 10 });
  stores.push(store);
  return { ...fake, store, storage };
}

/** A job that runs for `runningPolls` GETs, then finishes with `end`. */
function scriptedJob(id: string, image: string, runningPolls: number, end: object) {
  let polls = 0;
  return () => {
    polls++;
    if (polls <= runningPolls) {
      return {
        id,
        image,
        imageId: image,
        status: 'running',
        progress: { bytesRead: polls * 10, bytesTotal: 100, layer: null },
      };
    }
    return {
      id,
      image,
      imageId: image,
      status: 'done',
      progress: { bytesRead: 100, bytesTotal: 100 },
      ...end,
    };
  };
}

describe('analyses slice', () => {
  it('starts a job, follows its progress by polling, and keeps the result', async () => {
    const seen: number[] = [];
    const { store, calls } = setup({
      'POST /api/analyses': { id: 'j1', status: 'queued', imageId: SINGLE_ID },
      'GET /api/analyses/j1': scriptedJob('j1', SINGLE_ID, 3, { result: singleStageResult }),
    });
    store.subscribe((s) => {
      const j = s.jobs.j1;
      if (j?.status === 'running' && seen.at(-1) !== j.progress.bytesRead) seen.push(j.progress.bytesRead);
    });
    await store.getState().analyse(SINGLE_ID);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/api/analyses', body: { image: SINGLE_ID } });
    await eventually(() => expect(store.getState().jobs.j1?.status).toBe('done'));
    expect(seen).toEqual([10, 20, 30]);
    expect(store.getState().latest[SINGLE_ID]?.data?.result.summary.polluted).toBe(true);
    // The image list is refreshed so the table shows the new summary.
    await eventually(() => expect(calls.filter((c) => c.path === '/api/images').length).toBeGreaterThan(0));
  });

  it('does not start a second job for an image that is being analysed', async () => {
    const { store, calls } = setup({
      'POST /api/analyses': { id: 'j1', status: 'queued' },
      'GET /api/analyses/j1': { id: 'j1', image: SINGLE_ID, status: 'queued', progress: {} },
    });
    await store.getState().analyse(SINGLE_ID);
    await store.getState().analyse(SINGLE_ID);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('reports a failed analysis with its message', async () => {
    const { store } = setup({
      'POST /api/analyses': { id: 'j1', status: 'queued' },
      'GET /api/analyses/j1': {
        id: 'j1',
        image: SINGLE_ID,
        status: 'failed',
        progress: {},
        error: { code: 'engine-unavailable', message: 'the Docker engine stopped answering' },
      },
    });
    await store.getState().loadImages();
    await store.getState().analyse(SINGLE_ID);
    await eventually(() => expect(store.getState().jobs.j1?.status).toBe('failed'));
    expect(store.getState().toasts.at(-1)).toMatchObject({
      severity: 'error',
      message: 'Analysis of lens-fixture/single-stage:latest failed: the Docker engine stopped answering',
    });
  });

  it('says so when the image was removed before the analysis could start', async () => {
    const { store, calls } = setup({
      'POST /api/analyses': () => {
        throw new ApiError('not-found', 'no such image', 404);
      },
    });
    await store.getState().loadImages();
    await store.getState().analyse(SINGLE_ID);
    expect(store.getState().startErrors[SINGLE_ID]).toMatchObject({ code: 'not-found' });
    expect(store.getState().toasts.at(-1)?.message).toBe(
      'lens-fixture/single-stage:latest no longer exists on the engine',
    );
    expect(calls.filter((c) => c.path === '/api/images')).toHaveLength(2);
  });

  it('cancels a running job', async () => {
    const { store, calls } = setup({
      'POST /api/analyses': { id: 'j1', status: 'running' },
      'GET /api/analyses/j1': {
        id: 'j1',
        image: SINGLE_ID,
        status: 'running',
        progress: { bytesRead: 1, bytesTotal: 9 },
      },
      'DELETE /api/analyses/j1': { id: 'j1', image: SINGLE_ID, status: 'cancelled', progress: {} },
    });
    await store.getState().analyse(SINGLE_ID);
    await store.getState().cancelAnalysis(SINGLE_ID);
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/analyses/j1')).toBe(true);
    expect(store.getState().jobs.j1?.status).toBe('cancelled');
  });

  it('runs "analyse all" as a batch whose progress survives closing and reopening the tab', async () => {
    const storage = memoryStorage();
    const routes: Routes = {
      'POST /api/analyses/all': {
        jobs: [
          { id: 'a', image: 'lens-fixture/single-stage:latest', imageId: SINGLE_ID, status: 'queued' },
          { id: 'b', image: 'lens-fixture/multistage-clean:latest', imageId: CLEAN_ID, status: 'queued' },
        ],
      },
      'GET /api/analyses/a': {
        id: 'a',
        image: 'x',
        status: 'running',
        progress: { bytesRead: 50, bytesTotal: 100 },
      },
      'GET /api/analyses/b': { id: 'b', image: 'y', status: 'queued', progress: {} },
    };
    const first = setup(routes, storage);
    await first.store.getState().analyseAll();
    await eventually(() => expect(first.store.getState().jobs.a?.status).toBe('running'));
    expect(batchProgress(first.store.getState())).toMatchObject({ total: 2, finished: 0, fraction: 0.25 });
    // The tab is torn down...
    first.store.getState().stopJobWatchers();

    // ...and opened again later: a fresh store finds the batch in storage and resumes it.
    const second = setup(
      {
        ...routes,
        'GET /api/analyses/a': scriptedJob('a', SINGLE_ID, 0, { result: singleStageResult }),
        'GET /api/analyses/b': scriptedJob('b', CLEAN_ID, 1, {
          result: { ...singleStageResult, image: { ...singleStageResult.image, id: CLEAN_ID } },
        }),
      },
      storage,
    );
    expect(second.store.getState().batch).toBeUndefined();
    await second.store.getState().resumeJobs();
    expect(second.store.getState().batch?.jobIds).toEqual(['a', 'b']);
    await eventually(() => expect(second.store.getState().batch).toBeUndefined());
    expect(second.store.getState().toasts.at(-1)).toMatchObject({
      severity: 'success',
      message: 'Analysed 2 images',
    });
    expect(second.store.getState().latest[CLEAN_ID]?.status).toBe('ready');
    expect(JSON.parse(storage.data.get('gocache-lens.jobs')!).batch).toBeUndefined();
  });

  it('drops a persisted job the backend no longer knows', async () => {
    const storage = memoryStorage();
    storage.setItem('gocache-lens.jobs', JSON.stringify({ jobImages: { gone: SINGLE_ID }, doneJobs: {} }));
    const { store } = setup({}, storage);
    await store.getState().resumeJobs();
    await eventually(() => expect(store.getState().jobs.gone?.status).toBe('failed'));
    expect(store.getState().jobs.gone?.error?.message).toMatch(/no longer knows/);
  });

  it('uses a live event stream for running jobs when the transport has one', async () => {
    const fake = fakeTransport({
      'POST /api/analyses': { id: 'j1', status: 'running' },
      'GET /api/analyses/j1': vi
        .fn()
        .mockReturnValueOnce({ id: 'j1', image: SINGLE_ID, status: 'running', progress: {} })
        .mockReturnValue({
          id: 'j1',
          image: SINGLE_ID,
          status: 'done',
          progress: {},
          result: singleStageResult,
        }),
    });
    let push: ((d: unknown) => void) | undefined;
    let end: (() => void) | undefined;
    fake.transport.events = (_p, h) => {
      push = h.onMessage;
      end = h.onError;
      return { close: () => undefined };
    };
    const store = createLensStore({ client: fake.client, storage: memoryStorage(), pollMs: 10_000 });
    stores.push(store);
    await store.getState().analyse(SINGLE_ID);
    await eventually(() => expect(push).toBeDefined());
    push!({ id: 'j1', status: 'running', progress: { bytesRead: 7, bytesTotal: 70 } });
    expect(store.getState().jobs.j1?.progress.bytesRead).toBe(7);
    end!();
    await eventually(() => expect(store.getState().jobs.j1?.status).toBe('done'));
  });

  it('loads the newest stored result, else the last finished job it remembers', async () => {
    const storage = memoryStorage();
    storage.setItem('gocache-lens.jobs', JSON.stringify({ jobImages: {}, doneJobs: { [SINGLE_ID]: 'old' } }));
    const { store } = setup(
      {
        'GET /api/analyses/old': {
          id: 'old',
          image: SINGLE_ID,
          status: 'done',
          progress: {},
          result: singleStageResult,
        },
      },
      storage,
    );
    await store.getState().loadLatest(SINGLE_ID);
    expect(store.getState().latest[SINGLE_ID]?.data?.result.layers).toHaveLength(4);
    await store.getState().loadLatest(CLEAN_ID);
    expect(store.getState().latest[CLEAN_ID]).toEqual({ status: 'ready', data: null });
  });
});

describe('notifier', () => {
  it('forwards to Docker Desktop toasts inside Docker Desktop', () => {
    const toast = { success: vi.fn(), warning: vi.fn(), error: vi.fn() };
    const desktop = { desktopUI: { toast } } as unknown as DesktopClient;
    const store = createLensStore({ client: fakeTransport({}).client, desktop, storage: memoryStorage() });
    store.getState().notify('error', 'bad');
    store.getState().notify('info', 'fyi');
    expect(toast.error).toHaveBeenCalledWith('bad');
    expect(toast.success).toHaveBeenCalledWith('fyi');
    expect(store.getState().toasts).toEqual([]);
  });
});

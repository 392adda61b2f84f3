import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../../src/core/analysisTypes.js';
import { LensError } from '../../../src/core/errors.js';
import { AnalysisJobs, type AnalyzeOptions, type JobView } from '../../../src/jobs/analysisJobs.js';

function result(ref: string): AnalysisResult {
  return {
    schemaVersion: 1,
    image: { ref, id: `sha256:${ref}`, sizeBytes: 10 },
    layers: [],
    findings: [],
    summary: { polluted: false, moduleCacheBytes: 0, buildCacheBytes: 0, wastedGoCacheBytes: 0 },
  };
}

/** A controllable analyze function: each call waits until the test settles it. */
function controllable() {
  const calls: { image: string; opts: AnalyzeOptions; resolve: () => void; reject: (e: unknown) => void }[] =
    [];
  const analyze = (image: string, opts: AnalyzeOptions) =>
    new Promise<AnalysisResult>((res, rej) => {
      const call = { image, opts, resolve: () => res(result(image)), reject: rej };
      calls.push(call);
      opts.signal.addEventListener('abort', () => rej(new LensError('cancelled', 'cancelled')));
    });
  return { calls, analyze };
}

const resolveImage = async (image: string) => {
  if (image.startsWith('missing')) throw new LensError('not-found', `no local image "${image}"`);
  return { id: `sha256:${image.replace(/:.*/, '')}` };
};

const tick = () => new Promise((r) => setTimeout(r, 5));

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await tick();
  expect(cond()).toBe(true);
}

describe('AnalysisJobs', () => {
  it('runs at most two analyses at once and queues the rest', async () => {
    const { calls, analyze } = controllable();
    const jobs = new AnalysisJobs({ analyze, resolveImage });
    const started = await Promise.all(['a', 'b', 'c', 'd'].map((i) => jobs.start(i)));
    expect(calls.map((c) => c.image)).toEqual(['a', 'b']);
    expect(jobs.get(started[2]!.job.id)!.status).toBe('queued');
    expect(jobs.stats()).toMatchObject({ running: 2, queued: 2 });
    calls[0]!.resolve();
    await until(() => calls.length === 3);
    expect(jobs.get(started[0]!.job.id)).toMatchObject({ status: 'done', result: { image: { ref: 'a' } } });
    calls[1]!.resolve();
    calls[2]!.resolve();
    await until(() => calls.length === 4);
    calls[3]!.resolve();
    await until(() => jobs.stats().running === 0);
    expect(jobs.stats().maxRunning).toBe(2);
    expect(started.map((s) => jobs.get(s.job.id)!.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('concurrent requests for the same image share one job', async () => {
    const { calls, analyze } = controllable();
    const jobs = new AnalysisJobs({ analyze, resolveImage });
    const [x, y] = await Promise.all([jobs.start('img:latest'), jobs.start('img:other')]);
    expect(x.job.id).toBe(y.job.id);
    expect([x.joined, y.joined].sort()).toEqual([false, true]);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await until(() => jobs.get(x.job.id)!.status === 'done');
    // Once done, a new request starts a new job.
    const z = await jobs.start('img:latest');
    expect(z.job.id).not.toBe(x.job.id);
    expect(z.joined).toBe(false);
  });

  it('unknown images fail at start and create no job', async () => {
    const { analyze } = controllable();
    const jobs = new AnalysisJobs({ analyze, resolveImage });
    await expect(jobs.start('missing:1')).rejects.toMatchObject({ code: 'not-found' });
    expect(jobs.list()).toHaveLength(0);
  });

  it('cancels queued and running jobs; cancelling an unknown id is not-found', async () => {
    const { calls, analyze } = controllable();
    const jobs = new AnalysisJobs({ analyze, resolveImage, concurrency: 1 });
    const a = await jobs.start('a');
    const b = await jobs.start('b');
    expect(jobs.cancel(b.job.id).status).toBe('cancelled');
    expect(jobs.cancel(a.job.id).status).toBe('cancelled');
    expect(calls[0]!.opts.signal.aborted).toBe(true);
    await until(() => jobs.stats().running === 0);
    expect(calls).toHaveLength(1); // b never started
    expect(jobs.get(a.job.id)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(() => jobs.cancel('nope')).toThrow(/no analysis job nope/);
  });

  it('reports progress to subscribers, throttled, and a final event', async () => {
    const { calls, analyze } = controllable();
    const jobs = new AnalysisJobs({ analyze, resolveImage, progressIntervalMs: 50 });
    const { job } = await jobs.start('a');
    const seen: JobView[] = [];
    jobs.subscribe(job.id, (v) => seen.push(v));
    for (let i = 1; i <= 100; i++)
      calls[0]!.opts.onProgress({ bytesRead: i, bytesTotal: 100, layer: 'sha256:l1' });
    expect(jobs.get(job.id)!.progress).toEqual({ bytesRead: 100, bytesTotal: 100, layer: 'sha256:l1' });
    await new Promise((r) => setTimeout(r, 80));
    calls[0]!.resolve();
    await until(() => seen.some((v) => v.status === 'done'));
    expect(seen.length).toBeLessThan(6);
    expect(seen.at(-1)!.result).toBeDefined();
  });

  it('says the engine stopped answering when a job fails and the engine is gone', async () => {
    const { calls, analyze } = controllable();
    let engineUp = true;
    const jobs = new AnalysisJobs({
      analyze,
      resolveImage,
      engineAnswers: async () => engineUp,
      engineAddress: 'unix:///x.sock',
    });
    const a = await jobs.start('a');
    const b = await jobs.start('b');
    calls[0]!.reject(new LensError('bad-archive', 'truncated layer tar'));
    await until(() => jobs.get(a.job.id)!.status === 'failed');
    expect(jobs.get(a.job.id)!.error).toEqual({ code: 'bad-archive', message: 'truncated layer tar' });
    engineUp = false;
    calls[1]!.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await until(() => jobs.get(b.job.id)!.status === 'failed');
    expect(jobs.get(b.job.id)!.error).toEqual({
      code: 'engine-unavailable',
      message: 'the Docker engine at unix:///x.sock stopped answering during the analysis (socket hang up)',
    });
  });

  it('keeps a bounded number of finished jobs and refuses new ones after close', async () => {
    const { calls, analyze } = controllable();
    const jobs = new AnalysisJobs({ analyze, resolveImage, keepFinished: 2 });
    const ids: string[] = [];
    for (const i of ['a', 'b', 'c']) {
      ids.push((await jobs.start(i)).job.id);
      calls.at(-1)!.resolve();
      await until(() => jobs.get(ids.at(-1)!)?.status === 'done');
    }
    expect(jobs.get(ids[0]!)).toBeUndefined();
    expect(jobs.get(ids[2]!)).toBeDefined();
    const d = await jobs.start('d');
    jobs.close();
    expect(jobs.get(d.job.id)!.status).toBe('cancelled');
    await expect(jobs.start('e')).rejects.toMatchObject({ code: 'conflict' });
  });
});

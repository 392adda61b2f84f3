import { isApiError } from '../api/client';
import type { AnalysisJob, JobStatus, StoredAnalysis } from '../api/types';
import { findImage, imageLabel, shortId } from '../lib/images';
import { errorInfo, failed, loading, ready } from './remote';
import type { Remote, SliceCreator, StoreDeps } from './types';

/** Analyse-all run: the jobs it queued. Kept in storage so its progress survives closing the tab. */
export interface Batch {
  jobIds: string[];
  startedAt: string;
}

export interface AnalysesSlice {
  /** Jobs by job id. */
  jobs: Record<string, AnalysisJob>;
  /** Image id -> its most recent job id. */
  imageJobs: Record<string, string>;
  /** Image id -> newest stored analysis (null when the image was never analysed). */
  latest: Record<string, Remote<StoredAnalysis | null>>;
  batch: Batch | undefined;
  /** Starting a job failed (image removed meanwhile, engine down): image id -> error. */
  startErrors: Record<string, { code: string; message: string }>;
  analyse(imageId: string, opts?: { noCache?: boolean }): Promise<void>;
  cancelAnalysis(imageId: string): Promise<void>;
  analyseAll(): Promise<void>;
  /** Picks up jobs started before the tab was closed. */
  resumeJobs(): Promise<void>;
  loadLatest(imageId: string): Promise<void>;
  /** Stops every poll and stream (tests, teardown). */
  stopJobWatchers(): void;
}

const JOBS_KEY = 'gocache-lens.jobs';
const MAX_STREAMS = 2;

export function isActive(status: JobStatus | undefined): boolean {
  return status === 'queued' || status === 'running';
}

interface Persisted {
  batch?: Batch;
  /** job id -> image id, for jobs still to watch */
  jobImages: Record<string, string>;
  /** image id -> its last finished job: the backend keeps finished jobs (with results) for a while. */
  doneJobs: Record<string, string>;
}

function readPersisted(deps: StoreDeps): Persisted {
  try {
    const raw = deps.storage?.getItem(JOBS_KEY);
    if (!raw) return { jobImages: {}, doneJobs: {} };
    const v = JSON.parse(raw) as Partial<Persisted>;
    const batch =
      v.batch && Array.isArray(v.batch.jobIds) && typeof v.batch.startedAt === 'string' ? v.batch : undefined;
    const jobImages = v.jobImages && typeof v.jobImages === 'object' ? v.jobImages : {};
    const doneJobs = v.doneJobs && typeof v.doneJobs === 'object' ? v.doneJobs : {};
    return { batch, jobImages, doneJobs };
  } catch {
    return { jobImages: {}, doneJobs: {} };
  }
}

/** Progress of the analyse-all run, for the overview's bar. */
export function batchProgress(state: Pick<AnalysesSlice, 'batch' | 'jobs'>) {
  const batch = state.batch;
  if (!batch) return undefined;
  const jobs = batch.jobIds.map((id) => state.jobs[id]).filter((j): j is AnalysisJob => j !== undefined);
  const finished = jobs.filter((j) => !isActive(j.status)).length;
  const failedCount = jobs.filter((j) => j.status === 'failed').length;
  const running = jobs.filter((j) => j.status === 'running');
  // Each finished job counts as one unit; running jobs count by bytes read.
  const partial = running.reduce(
    (acc, j) =>
      acc + (j.progress.bytesTotal > 0 ? Math.min(1, j.progress.bytesRead / j.progress.bytesTotal) : 0),
    0,
  );
  const total = batch.jobIds.length;
  return {
    total,
    finished,
    failed: failedCount,
    running,
    done: total > 0 && finished === total,
    fraction: total === 0 ? 1 : (finished + partial) / total,
  };
}

export const createAnalysesSlice: SliceCreator<AnalysesSlice> = (set, get, deps) => {
  const { client } = deps;
  const pollMs = deps.pollMs ?? 1000;
  const watchers = new Map<string, () => void>();
  let openStreams = 0;
  let imagesReload: ReturnType<typeof setTimeout> | undefined;
  const persisted = readPersisted(deps);
  const jobImages: Record<string, string> = { ...persisted.jobImages };
  const doneJobs: Record<string, string> = { ...persisted.doneJobs };

  const persist = () => {
    const active = Object.fromEntries(
      Object.entries(jobImages).filter(([jobId]) => {
        const job = get().jobs[jobId];
        return !job || isActive(job.status) || get().batch?.jobIds.includes(jobId);
      }),
    );
    const record: Persisted = { batch: get().batch, jobImages: active, doneJobs };
    try {
      deps.storage?.setItem(JOBS_KEY, JSON.stringify(record));
    } catch {
      // storage full or disabled: progress then only lasts as long as the page
    }
  };

  const imageIdOf = (job: AnalysisJob): string =>
    jobImages[job.id] ??
    job.imageId ??
    job.result?.image.id ??
    findImage(get().images.data, job.image)?.id ??
    job.image;

  const labelOf = (imageId: string): string => {
    const image = findImage(get().images.data, imageId);
    return image ? imageLabel(image) : imageId.startsWith('sha256:') ? shortId(imageId) : imageId;
  };

  const putJob = (job: AnalysisJob) => {
    const imageId = imageIdOf(job);
    jobImages[job.id] = imageId;
    set({ jobs: { ...get().jobs, [job.id]: job }, imageJobs: { ...get().imageJobs, [imageId]: job.id } });
  };

  const scheduleImagesReload = () => {
    if (imagesReload) clearTimeout(imagesReload);
    imagesReload = setTimeout(() => {
      imagesReload = undefined;
      void get().loadImages();
    }, pollMs);
  };

  const finishBatchIfDone = () => {
    const p = batchProgress(get());
    if (!p || !p.done) return;
    const ok = p.total - p.failed;
    if (p.failed > 0) get().notify('warning', `Analysed ${ok} of ${p.total} images; ${p.failed} failed`);
    else get().notify('success', `Analysed ${p.total} image${p.total === 1 ? '' : 's'}`);
    set({ batch: undefined });
    persist();
  };

  const finish = (job: AnalysisJob) => {
    const imageId = imageIdOf(job);
    const inBatch = get().batch?.jobIds.includes(job.id) ?? false;
    if (job.status === 'done' && job.result) {
      const stored: StoredAnalysis = { analyzedAt: new Date().toISOString(), result: job.result };
      doneJobs[imageId] = job.id;
      set({ latest: { ...get().latest, [imageId]: ready(stored) } });
      scheduleImagesReload();
    } else if (job.status === 'failed' && !inBatch) {
      get().notify(
        'error',
        `Analysis of ${labelOf(imageId)} failed: ${job.error?.message ?? 'unknown error'}`,
      );
    }
    if (inBatch) finishBatchIfDone();
    persist();
  };

  const watch = (jobId: string) => {
    if (watchers.has(jobId)) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stream: { close(): void } | undefined;
    let failures = 0;
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (stream) {
        stream.close();
        stream = undefined;
        openStreams--;
      }
      watchers.delete(jobId);
    };
    watchers.set(jobId, stop);

    const poll = async (): Promise<void> => {
      if (stopped) return;
      let job: AnalysisJob;
      try {
        job = await client.analysis(jobId);
        failures = 0;
      } catch (e) {
        if (stopped) return;
        const prev = get().jobs[jobId];
        if (isApiError(e) && e.code === 'not-found') {
          // The backend restarted or forgot the job: it will not finish.
          stop();
          if (prev) {
            const gone: AnalysisJob = {
              ...prev,
              status: 'failed',
              error: {
                code: 'not-found',
                message: 'The backend no longer knows this analysis; start it again.',
              },
            };
            putJob(gone);
            finish(gone);
          } else {
            delete jobImages[jobId];
            persist();
          }
          return;
        }
        failures++;
        if (prev && failures >= 3) {
          putJob({ ...prev, error: errorInfo(e) });
        }
        timer = setTimeout(() => void poll(), pollMs * Math.min(5, failures));
        return;
      }
      if (stopped) return;
      putJob(job);
      if (!isActive(job.status)) {
        stop();
        finish(job);
        return;
      }
      if (job.status === 'running' && client.hasEvents && openStreams < MAX_STREAMS) {
        const s = client.watchAnalysis(jobId, {
          onUpdate: (update) => {
            const prev = get().jobs[jobId];
            if (prev && !stopped) putJob({ ...prev, ...update });
          },
          onEnd: () => {
            if (stream) {
              stream = undefined;
              openStreams--;
            }
            // The stream ended (finished, or broke): one GET tells which, and brings the result.
            if (!stopped) timer = setTimeout(() => void poll(), 0);
          },
        });
        if (s) {
          stream = s;
          openStreams++;
          return;
        }
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
  };

  const startFailed = (imageId: string, e: unknown) => {
    const info = errorInfo(e);
    set({ startErrors: { ...get().startErrors, [imageId]: info } });
    if (info.code === 'not-found') {
      get().notify('error', `${labelOf(imageId)} no longer exists on the engine`);
      void get().loadImages();
    } else {
      get().notify('error', `Could not analyse ${labelOf(imageId)}: ${info.message}`);
    }
  };

  return {
    jobs: {},
    imageJobs: {},
    latest: {},
    batch: undefined,
    startErrors: {},

    async analyse(imageId, opts = {}) {
      const current = get().jobs[get().imageJobs[imageId] ?? ''];
      if (current && isActive(current.status)) return;
      const { [imageId]: _, ...rest } = get().startErrors;
      set({ startErrors: rest });
      try {
        const { id, status } = await client.startAnalysis(imageId, opts);
        jobImages[id] = imageId;
        putJob({ id, image: imageId, imageId, status, progress: { bytesRead: 0, bytesTotal: 0 } });
        persist();
        watch(id);
      } catch (e) {
        startFailed(imageId, e);
      }
    },

    async cancelAnalysis(imageId) {
      const jobId = get().imageJobs[imageId];
      if (!jobId) return;
      try {
        await client.cancelAnalysis(jobId);
      } catch (e) {
        if (!(isApiError(e) && e.code === 'not-found')) {
          get().notify('error', `Could not cancel: ${errorInfo(e).message}`);
          return;
        }
      }
      const job = get().jobs[jobId];
      if (job && isActive(job.status)) putJob({ ...job, status: 'cancelled' });
      watchers.get(jobId)?.();
      persist();
    },

    async analyseAll() {
      if (get().batch) return;
      try {
        if (!get().images.data) await get().loadImages();
        const jobs = await client.analyseAll();
        for (const j of jobs) {
          jobImages[j.id] = j.imageId ?? findImage(get().images.data, j.image)?.id ?? j.image;
          putJob({
            id: j.id,
            image: j.image,
            imageId: j.imageId,
            status: j.status,
            progress: { bytesRead: 0, bytesTotal: 0 },
          });
        }
        set({ batch: { jobIds: jobs.map((j) => j.id), startedAt: new Date().toISOString() } });
        persist();
        if (jobs.length === 0) {
          get().notify('info', 'No images to analyse');
          set({ batch: undefined });
          persist();
          return;
        }
        for (const j of jobs) watch(j.id);
      } catch (e) {
        get().notify('error', `Could not start the analyses: ${errorInfo(e).message}`);
      }
    },

    async resumeJobs() {
      const saved = readPersisted(deps);
      Object.assign(jobImages, saved.jobImages);
      if (saved.batch && !get().batch) set({ batch: saved.batch });
      const ids = new Set([...Object.keys(saved.jobImages), ...(saved.batch?.jobIds ?? [])]);
      for (const id of ids) {
        const imageId = jobImages[id];
        if (!get().jobs[id] && imageId) {
          putJob({ id, image: imageId, status: 'queued', progress: { bytesRead: 0, bytesTotal: 0 } });
        }
        watch(id);
      }
      await Promise.resolve();
    },

    async loadLatest(imageId) {
      const prev = get().latest[imageId];
      set({ latest: { ...get().latest, [imageId]: loading(prev) } });
      try {
        let stored = await client.storedResult(imageId);
        const jobId = doneJobs[imageId];
        if (!stored && jobId) {
          // The backend keeps finished jobs with their results for a while.
          try {
            const job = await client.analysis(jobId);
            if (job.status === 'done' && job.result)
              stored = { analyzedAt: new Date().toISOString(), result: job.result };
          } catch (e) {
            if (!(isApiError(e) && e.code === 'not-found')) throw e;
            delete doneJobs[imageId];
            persist();
          }
        }
        set({ latest: { ...get().latest, [imageId]: ready(stored ?? null) } });
      } catch (e) {
        set({ latest: { ...get().latest, [imageId]: failed(e, prev) } });
      }
    },

    stopJobWatchers() {
      for (const stop of [...watchers.values()]) stop();
      if (imagesReload) clearTimeout(imagesReload);
    },
  };
};

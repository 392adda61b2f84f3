import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AnalysisProgress, AnalysisResult } from '../core/analysisTypes.js';
import { LensError, toLensError, type LensErrorCode } from '../core/errors.js';

/**
 * The analysis job queue of the backend: one job per image at a time (concurrent requests for the same
 * image share it), at most `concurrency` exports running at once, progress events, cancellation. Jobs
 * live in memory; results are persisted by the analyze function (the result store).
 */

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  bytesRead: number;
  /** 0 when unknown. */
  bytesTotal: number;
  /** diffID of the layer being read, or null. */
  layer: string | null;
}

export interface JobView {
  id: string;
  /** The image as requested (reference or id). */
  image: string;
  /** The image id it resolved to. */
  imageId: string;
  status: JobStatus;
  progress: JobProgress;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  result?: AnalysisResult;
  error?: { code: LensErrorCode; message: string };
}

export interface AnalyzeOptions {
  signal: AbortSignal;
  onProgress: (p: AnalysisProgress) => void;
  noCache?: boolean;
}

/** Analyses one image (by reference or id) and stores the result. */
export type AnalyzeFn = (image: string, opts: AnalyzeOptions) => Promise<AnalysisResult>;

export interface AnalysisJobsOptions {
  analyze: AnalyzeFn;
  /**
   * Resolves a reference or id to the image id, and the name to analyse it under (default: as
   * requested); throws not-found for unknown images.
   */
  resolveImage: (image: string) => Promise<{ id: string; ref?: string }>;
  /** Exports running at once; default 2. */
  concurrency?: number;
  /** Finished jobs kept for GET; default 200. */
  keepFinished?: number;
  /**
   * Called when a job fails with something other than a LensError about the engine: answers whether the
   * engine still answers, so a dead engine is reported as such.
   */
  engineAnswers?: () => Promise<boolean>;
  /** Engine address, for messages. */
  engineAddress?: string;
  /** Minimum milliseconds between two progress events of one job; default 200. */
  progressIntervalMs?: number;
}

interface Job {
  view: JobView;
  /** What the analyze function is given. */
  ref: string;
  controller: AbortController;
  noCache: boolean;
  events: EventEmitter;
  lastEmit: number;
  pendingEmit?: NodeJS.Timeout;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'cancelled']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

export class AnalysisJobs {
  private readonly jobs = new Map<string, Job>();
  /** imageId -> active (queued or running) job id. */
  private readonly active = new Map<string, string>();
  private readonly queue: Job[] = [];
  private running = 0;
  private maxRunningSeen = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly keepFinished: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly opts: AnalysisJobsOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.keepFinished = Math.max(1, opts.keepFinished ?? 200);
    this.progressIntervalMs = opts.progressIntervalMs ?? 200;
  }

  /**
   * Starts an analysis of `image`, or joins the job already queued or running for the same image id.
   * Unknown images fail here (not-found) and create no job.
   */
  async start(
    image: string,
    options: { noCache?: boolean } = {},
  ): Promise<{ job: JobView; joined: boolean }> {
    if (this.closed) throw new LensError('conflict', 'the server is shutting down');
    const { id: imageId, ref } = await this.opts.resolveImage(image);
    const existing = this.active.get(imageId);
    if (existing) return { job: this.snapshot(this.jobs.get(existing)!), joined: true };
    const job: Job = {
      view: {
        id: randomUUID(),
        image,
        imageId,
        status: 'queued',
        progress: { bytesRead: 0, bytesTotal: 0, layer: null },
        createdAt: new Date().toISOString(),
      },
      ref: ref ?? image,
      controller: new AbortController(),
      noCache: options.noCache ?? false,
      events: new EventEmitter(),
      lastEmit: 0,
    };
    job.events.setMaxListeners(0);
    this.jobs.set(job.view.id, job);
    this.active.set(imageId, job.view.id);
    this.queue.push(job);
    this.pump();
    return { job: this.snapshot(job), joined: false };
  }

  get(id: string): JobView | undefined {
    const job = this.jobs.get(id);
    return job ? this.snapshot(job) : undefined;
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((j) => this.snapshot(j, false));
  }

  /** Cancels a queued or running job; a finished job is returned as it is. Unknown ids: not-found. */
  cancel(id: string): JobView {
    const job = this.jobs.get(id);
    if (!job) throw new LensError('not-found', `no analysis job ${id}`);
    if (job.view.status === 'queued') {
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
      this.finish(job, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled before it started' });
    } else if (job.view.status === 'running') {
      // The export slot stays taken until the analysis notices the abort and settles.
      job.controller.abort(new LensError('cancelled', 'cancelled'));
      this.finish(job, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled' });
    }
    return this.snapshot(job);
  }

  /**
   * Calls `listener` with the job's view on every change (progress throttled), and once more with the
   * final view. Returns the unsubscribe function. Unknown ids: not-found.
   */
  subscribe(id: string, listener: (view: JobView) => void): () => void {
    const job = this.jobs.get(id);
    if (!job) throw new LensError('not-found', `no analysis job ${id}`);
    const fn = () => listener(this.snapshot(job));
    job.events.on('update', fn);
    return () => job.events.off('update', fn);
  }

  /** Jobs running now and the most that ever ran at once (for tests and health). */
  stats(): { queued: number; running: number; maxRunning: number } {
    return { queued: this.queue.length, running: this.running, maxRunning: this.maxRunningSeen };
  }

  /** Cancels every job and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const job of [...this.jobs.values()]) {
      if (!isTerminal(job.view.status)) this.cancel(job.view.id);
    }
  }

  private snapshot(job: Job, withResult = true): JobView {
    const v = job.view;
    const out: JobView = { ...v, progress: { ...v.progress } };
    if (!withResult) delete out.result;
    return out;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      this.maxRunningSeen = Math.max(this.maxRunningSeen, this.running);
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    job.view.status = 'running';
    job.view.startedAt = new Date().toISOString();
    this.emit(job, true);
    try {
      const result = await this.opts.analyze(job.ref, {
        signal: job.controller.signal,
        noCache: job.noCache,
        onProgress: (p) => {
          if (isTerminal(job.view.status)) return;
          job.view.progress = { bytesRead: p.bytesRead, bytesTotal: p.bytesTotal, layer: p.layer ?? null };
          this.emit(job, false);
        },
      });
      if (job.controller.signal.aborted) {
        this.finish(job, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled' });
      } else {
        if (job.view.progress.bytesTotal > 0) job.view.progress.bytesRead = job.view.progress.bytesTotal;
        this.finish(job, 'done', result);
      }
    } catch (e) {
      if (job.controller.signal.aborted) {
        this.finish(job, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled' });
      } else {
        this.finish(job, 'failed', undefined, await this.describeFailure(e));
      }
    }
  }

  private async describeFailure(e: unknown): Promise<{ code: LensErrorCode; message: string }> {
    const err = toLensError(e);
    if (err.code === 'engine-unavailable' || !this.opts.engineAnswers)
      return { code: err.code, message: err.message };
    // A stream cut mid-export surfaces as a truncated archive or a reset socket: say when the engine died.
    if (!(await this.opts.engineAnswers())) {
      const where = this.opts.engineAddress ? ` at ${this.opts.engineAddress}` : '';
      return {
        code: 'engine-unavailable',
        message: `the Docker engine${where} stopped answering during the analysis (${err.message})`,
      };
    }
    return { code: err.code, message: err.message };
  }

  private finish(
    job: Job,
    status: JobStatus,
    result?: AnalysisResult,
    error?: { code: LensErrorCode; message: string },
  ): void {
    if (isTerminal(job.view.status)) return;
    job.view.status = status;
    job.view.finishedAt = new Date().toISOString();
    if (result) job.view.result = result;
    if (error) job.view.error = error;
    if (this.active.get(job.view.imageId) === job.view.id) this.active.delete(job.view.imageId);
    this.emit(job, true);
    job.events.removeAllListeners();
    this.evict();
  }

  private emit(job: Job, immediate: boolean): void {
    const now = Date.now();
    if (immediate || now - job.lastEmit >= this.progressIntervalMs) {
      if (job.pendingEmit) clearTimeout(job.pendingEmit);
      job.pendingEmit = undefined;
      job.lastEmit = now;
      job.events.emit('update');
      return;
    }
    if (job.pendingEmit) return;
    job.pendingEmit = setTimeout(
      () => {
        job.pendingEmit = undefined;
        job.lastEmit = Date.now();
        if (!isTerminal(job.view.status)) job.events.emit('update');
      },
      this.progressIntervalMs - (now - job.lastEmit),
    );
    job.pendingEmit.unref();
  }

  private evict(): void {
    const finished = [...this.jobs.values()].filter((j) => isTerminal(j.view.status));
    for (const j of finished.slice(0, Math.max(0, finished.length - this.keepFinished)))
      this.jobs.delete(j.view.id);
  }
}

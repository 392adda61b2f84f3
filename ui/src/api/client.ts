/**
 * The one typed client of the GoCache Lens API. The same UI code runs inside Docker Desktop (requests go
 * through `ddClient.extension.vm.service` to the backend socket; no live events, so jobs are polled) and
 * as a standalone page (fetch with a Bearer token; job progress as server-sent events).
 */
import type { createDockerDesktopClient } from '@docker/extension-api-client';
import type {
  AnalysisJob,
  AnalysisResult,
  BuildCacheListing,
  BuildCacheRecord,
  BuildDetail,
  BuildFeedMessage,
  BuildStatus,
  BuildSummary,
  CompareEntry,
  FixAnswer,
  Health,
  HistoryEntry,
  ImageSummary,
  JobStatus,
  LintAnswer,
  PruneAnswer,
  PruneSelection,
  PastAnalysis,
  StoredAnalysis,
} from './types';

export type DesktopClient = ReturnType<typeof createDockerDesktopClient>;

/** A failed API call: the backend's `{error:{code, message}}`, or a transport failure. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Any thrown value as an ApiError with a one-line message. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof Error) {
    if (e.name === 'AbortError') return new ApiError('cancelled', 'Cancelled');
    return new ApiError('network', firstLine(e.message) || 'Request failed');
  }
  return new ApiError('network', firstLine(String(e)) || 'Request failed');
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}

export type Method = 'GET' | 'POST' | 'DELETE';

/** Progress stream of one job; `close` stops it. */
export interface EventStream {
  close(): void;
}

export interface Transport {
  readonly kind: 'desktop' | 'standalone';
  request(method: Method, path: string, body?: unknown): Promise<unknown>;
  /** Server-sent events, when the transport has them (standalone only); `event` is the event's name. */
  events?(
    path: string,
    handlers: { onMessage(data: unknown, event?: string): void; onError(): void },
  ): EventStream;
}

/** Builds a path from literal parts and encoded values: path`/api/images/${id}/history`. */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce(
    (acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''),
    '',
  );
}

/** Builds a query string from defined values, each encoded. */
export function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

// ---- response checks: the UI trusts no shape it has not looked at ----

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(what: string): ApiError {
  return new ApiError('bad-response', `Unexpected answer from the backend (${what})`);
}

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw bad(what);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw bad(what);
  return v;
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function dateStr(v: unknown): string {
  if (typeof v === 'number') return new Date(v < 1e12 ? v * 1000 : v).toISOString();
  return str(v);
}

const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

function jobStatus(v: unknown): JobStatus {
  return (JOB_STATUSES as readonly unknown[]).includes(v) ? (v as JobStatus) : 'queued';
}

function errorInfo(v: unknown): { code: string; message: string } | undefined {
  if (typeof v === 'string') return { code: 'internal', message: v };
  if (!isObj(v)) return undefined;
  const inner = isObj(v.error) ? v.error : v;
  return { code: str(inner.code, 'internal'), message: str(inner.message, 'Analysis failed') };
}

export function checkResult(v: unknown): AnalysisResult {
  const o = obj(v, 'analysis result');
  const image = obj(o.image, 'analysis image');
  const summary = obj(o.summary, 'analysis summary');
  return {
    schemaVersion: num(o.schemaVersion),
    image: { ref: str(image.ref), id: str(image.id), sizeBytes: num(image.sizeBytes) },
    layers: arr(o.layers, 'analysis layers').map((l) => {
      const layer = obj(l, 'layer');
      return {
        index: num(layer.index),
        diffId: str(layer.diffId),
        createdBy: str(layer.createdBy),
        sizeBytes: num(layer.sizeBytes),
        deletedGoCacheBytes: num(layer.deletedGoCacheBytes),
        goCaches: arr(layer.goCaches ?? [], 'layer caches').map((c) => {
          const cache = obj(c, 'cache');
          return {
            kind: cache.kind === 'build-cache' ? 'build-cache' : 'module-cache',
            root: str(cache.root),
            bytes: num(cache.bytes),
            files: num(cache.files),
            modules: arr(cache.modules ?? [], 'modules').map((m) => {
              const mod = obj(m, 'module');
              return { path: str(mod.path), version: str(mod.version), bytes: num(mod.bytes) };
            }),
          };
        }),
      };
    }),
    findings: arr(o.findings ?? [], 'findings').map((f) => {
      const finding = obj(f, 'finding');
      return {
        kind: str(finding.kind),
        severity: severity(finding.severity),
        layerIndex: typeof finding.layerIndex === 'number' ? finding.layerIndex : -1,
        message: str(finding.message),
        modules: Array.isArray(finding.modules) ? finding.modules.map((m) => str(m)) : undefined,
        env: Array.isArray(finding.env) ? finding.env.map((m) => str(m)) : undefined,
      };
    }),
    summary: {
      polluted: summary.polluted === true,
      moduleCacheBytes: num(summary.moduleCacheBytes),
      buildCacheBytes: num(summary.buildCacheBytes),
      wastedGoCacheBytes: num(summary.wastedGoCacheBytes),
    },
  };
}

function severity(v: unknown): 'error' | 'warning' | 'info' {
  return v === 'error' || v === 'warning' ? v : 'info';
}

function checkSummary(v: unknown) {
  const s = obj(v, 'summary');
  return {
    polluted: s.polluted === true,
    moduleCacheBytes: num(s.moduleCacheBytes),
    buildCacheBytes: num(s.buildCacheBytes),
    wastedGoCacheBytes: num(s.wastedGoCacheBytes),
  };
}

export function checkJob(v: unknown): AnalysisJob {
  const o = obj(v, 'analysis job');
  const p = isObj(o.progress) ? o.progress : {};
  return {
    id: str(o.id),
    image: str(o.image),
    imageId: optStr(o.imageId),
    status: jobStatus(o.status),
    progress: { bytesRead: num(p.bytesRead), bytesTotal: num(p.bytesTotal), layer: optStr(p.layer) },
    result: o.result === undefined || o.result === null ? undefined : checkResult(o.result),
    error: errorInfo(o.error),
  };
}

function checkImage(v: unknown): ImageSummary {
  const o = obj(v, 'image');
  const last = isObj(o.lastAnalysis) ? o.lastAnalysis : undefined;
  return {
    id: str(o.id),
    tags: Array.isArray(o.tags) ? o.tags.map((t) => str(t)).filter(Boolean) : [],
    sizeBytes: num(o.sizeBytes ?? o.size),
    created: dateStr(o.created),
    lastAnalysis:
      last && last.summary !== undefined
        ? { analyzedAt: dateStr(last.analyzedAt), summary: checkSummary(last.summary) }
        : undefined,
  };
}

function checkHistoryEntry(v: unknown): HistoryEntry {
  const o = obj(v, 'history entry');
  return {
    instruction: str(o.instruction ?? o.createdBy),
    sizeBytes: num(o.sizeBytes ?? o.size),
    created: optStr(dateStr(o.created)),
    empty: o.empty === true || o.emptyLayer === true,
    comment: optStr(o.comment),
  };
}

const CATEGORIES = ['go-module-cache', 'go-build-cache', 'cache-mount', 'layer', 'source', 'other'] as const;

function checkRecord(v: unknown): BuildCacheRecord {
  const o = obj(v, 'build cache record');
  const category = (CATEGORIES as readonly unknown[]).includes(o.category)
    ? (o.category as BuildCacheRecord['category'])
    : 'other';
  return {
    id: str(o.id),
    type: str(o.type),
    description: str(o.description),
    category,
    size: num(o.size),
    inUse: o.inUse === true,
    shared: o.shared === true,
    lastUsedAt: typeof o.lastUsedAt === 'string' ? o.lastUsedAt : null,
    usageCount: num(o.usageCount),
  };
}

function checkDoctorFindings(v: unknown) {
  return arr(v, 'findings').map((f) => {
    const o = obj(f, 'finding');
    const line = num(o.line);
    return {
      rule: str(o.rule),
      severity: severity(o.severity),
      line,
      endLine: typeof o.endLine === 'number' ? o.endLine : line,
      message: str(o.message),
      explanation: str(o.explanation),
      fix: optStr(o.fix),
    };
  });
}

function checkCompareEntry(v: unknown): CompareEntry {
  const o = obj(v, 'compare entry');
  const c = isObj(o.categories) ? o.categories : {};
  return {
    image: str(o.image),
    imageId: str(o.imageId, str(o.image)),
    ref: str(o.ref, str(o.image)),
    totalBytes: num(o.totalBytes),
    analyzedAt: optStr(o.analyzedAt),
    breakdown: {
      base: num(c.sharedBaseLayers),
      moduleCache: num(c.goModuleCache),
      buildCache: num(c.goBuildCache),
      wasted: num(c.wastedByLaterDeletes),
      rest: num(c.rest),
    },
  };
}

function checkPast(v: unknown): PastAnalysis {
  const o = obj(v, 'past analysis');
  return {
    analyzedAt: dateStr(o.analyzedAt),
    imageId: str(o.imageId),
    ref: str(o.ref),
    sizeBytes: num(o.sizeBytes),
    summary: checkSummary(o.summary),
    findings: num(o.findings),
  };
}

const BUILD_STATUSES: readonly BuildStatus[] = ['running', 'completed', 'failed', 'canceled'];

function nullableStr(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function checkBuildSummary(v: unknown): BuildSummary {
  const o = obj(v, 'build');
  const steps = isObj(o.steps) ? o.steps : {};
  const image = isObj(o.image) ? o.image : undefined;
  const ref = str(o.ref);
  if (!ref) throw bad('build without a ref');
  return {
    ref,
    name: str(o.name, str(o.dockerfileName, 'Dockerfile')),
    dockerfileName: str(o.dockerfileName, 'Dockerfile'),
    target: nullableStr(o.target),
    status: (BUILD_STATUSES as readonly unknown[]).includes(o.status)
      ? (o.status as BuildStatus)
      : 'completed',
    startedAt: nullableStr(o.startedAt),
    completedAt: nullableStr(o.completedAt),
    durationMs: typeof o.durationMs === 'number' && o.durationMs >= 0 ? o.durationMs : null,
    steps: { total: num(steps.total), cached: num(steps.cached), completed: num(steps.completed) },
    image:
      image && typeof image.id === 'string'
        ? {
            id: image.id,
            tags: Array.isArray(image.tags) ? image.tags.map((t) => str(t)).filter(Boolean) : [],
          }
        : null,
    errorMessage: nullableStr(o.errorMessage),
  };
}

export function checkBuildDetail(v: unknown): BuildDetail {
  const o = obj(v, 'build detail');
  const df = isObj(o.dockerfile) && typeof o.dockerfile.text === 'string' ? o.dockerfile : undefined;
  const err = isObj(o.error) ? o.error : undefined;
  const loc = err && isObj(err.location) ? err.location : undefined;
  const mismatch = isObj(o.goChecksumMismatch) ? o.goChecksumMismatch : undefined;
  const hint = mismatch && isObj(mismatch.cacheMountHint) ? mismatch.cacheMountHint : undefined;
  const doctor = isObj(o.doctor) ? o.doctor : undefined;
  return {
    ...checkBuildSummary(o),
    dockerfile: df
      ? {
          filename: str(df.filename, 'Dockerfile'),
          text: String(df.text),
          origin: df.origin === 'error-details' ? 'error-details' : 'provenance',
        }
      : null,
    sourceUnavailable: nullableStr(o.sourceUnavailable),
    error: err
      ? {
          message: str(err.message, 'The build failed'),
          code: num(err.code),
          location:
            loc && num(loc.startLine) > 0
              ? {
                  filename: str(loc.filename, 'Dockerfile'),
                  startLine: num(loc.startLine),
                  endLine: Math.max(num(loc.startLine), num(loc.endLine)),
                }
              : null,
          logExcerpt: nullableStr(err.logExcerpt),
        }
      : null,
    goChecksumMismatch: mismatch
      ? {
          module: str(mismatch.module),
          cacheMountHint: hint
            ? {
                mounts: arr(hint.mounts ?? [], 'cache mounts')
                  .filter(isObj)
                  .map((m) => ({ target: str(m.target), id: str(m.id, str(m.target)) })),
                recordIds: arr(hint.recordIds ?? [], 'record ids')
                  .map((r) => str(r))
                  .filter(Boolean),
              }
            : null,
        }
      : null,
    doctor: doctor
      ? {
          findings: checkDoctorFindings(doctor.findings ?? []),
          fixed: str(doctor.fixed),
          diff: str(doctor.diff),
        }
      : null,
    doctorError: nullableStr(o.doctorError),
  };
}

/** One server-sent event of /api/builds/events; undefined for anything else. */
export function checkBuildFeedMessage(data: unknown, event?: string): BuildFeedMessage | undefined {
  if (!isObj(data)) return undefined;
  if (event === 'state' || (event !== 'build' && typeof data.state === 'string')) {
    const state = data.state;
    if (state !== 'connecting' && state !== 'live' && state !== 'retrying') return undefined;
    const error = isObj(data.error) ? optStr(data.error.message) : optStr(data.error);
    return error ? { kind: 'state', state, error } : { kind: 'state', state };
  }
  const type = data.type;
  if ((type !== 'started' && type !== 'completed' && type !== 'deleted') || typeof data.ref !== 'string')
    return undefined;
  let build: BuildSummary | undefined;
  try {
    build = isObj(data.build) ? checkBuildSummary(data.build) : undefined;
  } catch {
    build = undefined;
  }
  if (type !== 'deleted' && !build) return undefined;
  return build ? { kind: 'build', type, ref: data.ref, build } : { kind: 'build', type, ref: data.ref };
}

// ---- the client ----

export class LensClient {
  constructor(readonly transport: Transport) {}

  get kind(): Transport['kind'] {
    return this.transport.kind;
  }

  /** True when job progress can be streamed rather than polled. */
  get hasEvents(): boolean {
    return this.transport.events !== undefined;
  }

  async health(): Promise<Health> {
    const o = obj(await this.transport.request('GET', '/api/health'), 'health');
    const e = obj(o.engine, 'health engine');
    return {
      engine: {
        reachable: e.reachable === true,
        version: optStr(e.version),
        apiVersion: optStr(e.apiVersion),
        imageStore: optStr(e.imageStore),
        error: optStr(e.error) ?? optStr(isObj(e.error) ? e.error.message : undefined),
      },
    };
  }

  async images(): Promise<ImageSummary[]> {
    const o = obj(await this.transport.request('GET', '/api/images'), 'images');
    return arr(o.images, 'images list').map(checkImage);
  }

  async history(imageId: string): Promise<HistoryEntry[]> {
    const raw = await this.transport.request('GET', path`/api/images/${imageId}/history`);
    const list = Array.isArray(raw) ? raw : (obj(raw, 'history').history ?? obj(raw, 'history').layers);
    return arr(list, 'history list').map(checkHistoryEntry);
  }

  async startAnalysis(
    image: string,
    opts: { noCache?: boolean } = {},
  ): Promise<{ id: string; status: JobStatus; imageId?: string }> {
    const body = opts.noCache ? { image, noCache: true } : { image };
    const o = obj(await this.transport.request('POST', '/api/analyses', body), 'analysis start');
    return { id: str(o.id), status: jobStatus(o.status), imageId: optStr(o.imageId) };
  }

  async analysis(id: string): Promise<AnalysisJob> {
    return checkJob(await this.transport.request('GET', path`/api/analyses/${id}`));
  }

  async cancelAnalysis(id: string): Promise<void> {
    await this.transport.request('DELETE', path`/api/analyses/${id}`);
  }

  /** Queues every local image; answers the jobs it started or joined. */
  async analyseAll(): Promise<{ id: string; image: string; imageId?: string; status: JobStatus }[]> {
    const o = obj(await this.transport.request('POST', '/api/analyses/all', {}), 'analyse all');
    return arr(o.jobs, 'analyse-all jobs').map((j) => {
      const job = obj(j, 'job');
      return {
        id: str(job.id),
        image: str(job.image),
        imageId: optStr(job.imageId),
        status: jobStatus(job.status),
      };
    });
  }

  /** Stored analyses of an image (summaries with dates), newest first. */
  async pastAnalyses(image: string, limit?: number): Promise<PastAnalysis[]> {
    const o = obj(
      await this.transport.request('GET', `/api/analyses${query({ image, limit })}`),
      'past analyses',
    );
    return arr(o.analyses, 'past analyses list')
      .map(checkPast)
      .sort((a, b) => b.analyzedAt.localeCompare(a.analyzedAt));
  }

  /**
   * The newest stored full result of an image, or undefined when there is none (or the backend does not
   * offer stored results: then the caller falls back to a finished job it knows).
   */
  async storedResult(imageId: string): Promise<StoredAnalysis | undefined> {
    let raw: unknown;
    try {
      raw = await this.transport.request('GET', path`/api/images/${imageId}/analysis`);
    } catch (e) {
      if (isApiError(e) && (e.code === 'not-found' || e.status === 404)) return undefined;
      throw e;
    }
    const o = obj(raw, 'stored analysis');
    return { analyzedAt: dateStr(o.analyzedAt), result: checkResult(o.result) };
  }

  /** Live progress of a job (standalone only); undefined when the transport has no events. */
  watchAnalysis(
    id: string,
    handlers: { onUpdate(update: Partial<AnalysisJob>): void; onEnd(): void },
  ): EventStream | undefined {
    const events = this.transport.events;
    if (!events) return undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      stream.close();
      handlers.onEnd();
    };
    const stream = events.call(this.transport, path`/api/analyses/${id}/events`, {
      onMessage: (data) => {
        if (!isObj(data)) return;
        const update: Partial<AnalysisJob> = {};
        const src = isObj(data.job) ? data.job : data;
        if (src.status !== undefined) update.status = jobStatus(src.status);
        const p = isObj(src.progress) ? src.progress : src.bytesRead !== undefined ? src : undefined;
        if (p)
          update.progress = {
            bytesRead: num(p.bytesRead),
            bytesTotal: num(p.bytesTotal),
            layer: optStr(p.layer),
          };
        if (src.error !== undefined && src.error !== null) update.error = errorInfo(src.error);
        if (isObj(src.result)) update.result = checkResult(src.result);
        handlers.onUpdate(update);
        if (update.status && update.status !== 'queued' && update.status !== 'running') end();
      },
      onError: end,
    });
    return { close: () => ((ended = true), stream.close()) };
  }

  async buildCache(): Promise<BuildCacheListing> {
    const o = obj(await this.transport.request('GET', '/api/build-cache'), 'build cache');
    const totals: BuildCacheListing['totals'] = {};
    if (isObj(o.totals))
      for (const [k, v] of Object.entries(o.totals)) if (typeof v === 'number') totals[k as 'total'] = v;
    return { records: arr(o.records, 'build cache records').map(checkRecord), totals };
  }

  async prune(
    selection: PruneSelection,
    mode: { dryRun: true } | { dryRun: false; confirm: true; selection: string | undefined },
  ): Promise<PruneAnswer> {
    const body = mode.dryRun
      ? { ...selection, dryRun: true }
      : {
          ...selection,
          dryRun: false,
          confirm: true,
          ...(mode.selection ? { selection: mode.selection } : {}),
        };
    const o = obj(await this.transport.request('POST', '/api/build-cache/prune', body), 'prune');
    return {
      dryRun: o.dryRun === true,
      records: arr(o.records ?? [], 'pruned records').map((r) => (isObj(r) ? str(r.id) : str(r))),
      bytes: num(o.bytes),
      selection: optStr(o.selection),
      skipped: Array.isArray(o.skipped)
        ? o.skipped.filter(isObj).map((k) => ({ id: str(k.id), reason: str(k.reason) }))
        : [],
      reclaimedBytes: typeof o.reclaimedBytes === 'number' ? o.reclaimedBytes : undefined,
      notDeleted: Array.isArray(o.notDeleted) ? o.notDeleted.map((x) => str(x)) : undefined,
    };
  }

  async lint(content: string, dockerignore?: string): Promise<LintAnswer> {
    const body = dockerignore === undefined ? { content } : { content, dockerignore };
    const o = obj(await this.transport.request('POST', '/api/dockerfile/lint', body), 'lint');
    return { findings: checkDoctorFindings(o.findings) };
  }

  async fix(content: string, runtimeImage?: string): Promise<FixAnswer> {
    const body = runtimeImage ? { content, runtimeImage } : { content };
    const o = obj(await this.transport.request('POST', '/api/dockerfile/fix', body), 'fix');
    if (typeof o.fixed !== 'string') throw bad('fix: no fixed text');
    return {
      fixed: o.fixed,
      diff: str(o.diff),
      findings: checkDoctorFindings(o.findings ?? []),
      dockerignore: optStr(o.dockerignore),
    };
  }

  /** BuildKit builds, newest first. */
  async builds(limit?: number): Promise<BuildSummary[]> {
    const o = obj(await this.transport.request('GET', `/api/builds${query({ limit })}`), 'builds');
    return arr(o.builds, 'builds list').map(checkBuildSummary);
  }

  async build(ref: string): Promise<BuildDetail> {
    return checkBuildDetail(await this.transport.request('GET', path`/api/builds/${ref}`));
  }

  /** The build that produced an image; undefined when no build record matches it. */
  async imageBuild(imageId: string): Promise<BuildDetail | undefined> {
    try {
      return checkBuildDetail(await this.transport.request('GET', path`/api/images/${imageId}/build`));
    } catch (e) {
      if (isApiError(e) && (e.code === 'not-found' || e.status === 404)) return undefined;
      throw e;
    }
  }

  /** The live build feed (standalone only); undefined when the transport has no events. */
  watchBuilds(handlers: { onMessage(m: BuildFeedMessage): void; onError(): void }): EventStream | undefined {
    const events = this.transport.events;
    if (!events) return undefined;
    return events.call(this.transport, '/api/builds/events', {
      onMessage: (data, event) => {
        const m = checkBuildFeedMessage(data, event);
        if (m) handlers.onMessage(m);
      },
      onError: handlers.onError,
    });
  }

  async compare(images: string[]): Promise<CompareEntry[]> {
    const raw = await this.transport.request('GET', `/api/compare${query({ images: images.join(',') })}`);
    const list = Array.isArray(raw) ? raw : obj(raw, 'compare').images;
    return arr(list, 'compare list').map(checkCompareEntry);
  }
}

// ---- transports ----

function errorFromBody(body: unknown, status: number | undefined, fallback: string): ApiError {
  if (isObj(body) && isObj(body.error)) {
    return new ApiError(str(body.error.code, 'internal'), str(body.error.message, fallback), status);
  }
  const code =
    status === 404
      ? 'not-found'
      : status === 403
        ? 'forbidden'
        : status === 503
          ? 'engine-unavailable'
          : 'internal';
  return new ApiError(code, fallback, status);
}

export interface FetchTransportOptions {
  /** Origin or prefix of the API; '' for the page's own origin. */
  baseUrl?: string;
  token?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

/** fetch + Bearer token, for the standalone page. */
export function fetchTransport(opts: FetchTransportOptions = {}): Transport {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const ES = opts.EventSource ?? (typeof EventSource === 'undefined' ? undefined : EventSource);
  const transport: Transport = {
    kind: 'standalone',
    async request(method, p, body) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await doFetch(base + p, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        throw new ApiError('network', `The GoCache Lens backend does not answer (${firstLine(String(e))})`);
      }
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          if (res.ok) throw bad(`${method} ${p}: not JSON`);
        }
      }
      if (!res.ok) throw errorFromBody(parsed, res.status, `${method} ${p} failed with HTTP ${res.status}`);
      return parsed;
    },
  };
  if (ES) {
    transport.events = (p, handlers) => {
      // EventSource cannot send headers: the token goes in the query string.
      const sep = p.includes('?') ? '&' : '?';
      const url = base + p + (opts.token ? `${sep}token=${encodeURIComponent(opts.token)}` : '');
      const es = new ES(url);
      const onData = (ev: MessageEvent) => {
        let data: unknown;
        try {
          data = JSON.parse(String(ev.data));
        } catch {
          return; // a comment or keep-alive line
        }
        handlers.onMessage(data, ev.type);
      };
      es.onmessage = onData;
      for (const name of [
        'progress',
        'status',
        'done',
        'end',
        'failed',
        'cancelled',
        'job',
        'state',
        'build',
      ]) {
        es.addEventListener(name, onData as EventListener);
      }
      es.onerror = () => handlers.onError();
      return { close: () => es.close() };
    };
  }
  return transport;
}

/** Errors from `ddClient.extension.vm.service` come in several shapes; find the backend's answer in them. */
export function desktopError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isObj(e)) {
    const status =
      typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
    if (isObj(e.error)) return errorFromBody(e, status, 'Request failed');
    for (const key of ['message', 'body', 'data'] as const) {
      const v = e[key];
      if (isObj(v) && isObj(v.error)) return errorFromBody(v, status, 'Request failed');
      if (typeof v === 'string') {
        try {
          const parsed: unknown = JSON.parse(v);
          if (isObj(parsed) && isObj(parsed.error)) return errorFromBody(parsed, status, 'Request failed');
        } catch {
          // plain text
        }
      }
    }
    if (typeof e.message === 'string' && !(e instanceof Error)) {
      return new ApiError(status === 404 ? 'not-found' : 'internal', firstLine(e.message), status);
    }
  }
  return toApiError(e);
}

/** `ddClient.extension.vm.service`, inside Docker Desktop. */
export function desktopTransport(dd: DesktopClient): Transport {
  const service = dd.extension.vm?.service;
  if (!service) throw new ApiError('internal', 'This extension has no backend service');
  return {
    kind: 'desktop',
    async request(method, p, body) {
      try {
        if (method === 'GET') return await service.get(p);
        if (method === 'DELETE') return await service.delete(p);
        return await service.post(p, body ?? {});
      } catch (e) {
        throw desktopError(e);
      }
    },
  };
}

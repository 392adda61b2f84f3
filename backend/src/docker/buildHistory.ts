import { createHash } from 'node:crypto';
import { LensError, firstLine } from '../core/errors.js';
import { listRawBuildCache, parseCacheMountDescription, goCacheKindOfPath } from './buildCache.js';
import {
  decodeBuildHistoryEvent,
  decodeReadContentResponse,
  decodeStatusResponse,
  encodeBuildHistoryRequest,
  encodeReadContentRequest,
  type PbBuildHistoryRecord,
  type PbDescriptor,
  type PbRpcStatus,
  type PbTimestamp,
} from './buildkitProto.js';
import type { Engine } from './engine.js';
import { GrpcSession, grpcCodeOf } from './grpcSession.js';
import { inspectImage, isImageRef, listImages, localImageEnv } from './images.js';

/**
 * BuildKit's build history, read from the engine: the list of builds, one build with its Dockerfile
 * (from the provenance attestation, or from the error details of a failed build), the image a build
 * produced, and a live feed of new builds. Records whose blobs are gone are reported without their
 * source; they never fail a list.
 */

const LISTEN = '/moby.buildkit.v1.Control/ListenBuildHistory';
const READ = '/containerd.services.content.v1.Content/Read';

/** Deadline of one history listing or blob read. */
export const CALL_TIMEOUT_MS = 15_000;
const MAX_PROVENANCE_BYTES = 16 * 1024 * 1024;
const MAX_LOG_BYTES = 32 * 1024 * 1024;
const LOG_EXCERPT_LINES = 30;
const LOG_EXCERPT_CHARS = 4000;
const BUILDKIT_METADATA = 'https://mobyproject.org/buildkit@v1#metadata';
const REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export type BuildStatus = 'running' | 'completed' | 'failed' | 'canceled';

export interface BuildImage {
  id: string;
  tags: string[];
}

export interface BuildSummary {
  ref: string;
  /** The image tag it produced, else the Dockerfile name (with its target stage). */
  name: string;
  /** `FrontendAttrs.filename`, `Dockerfile` when unset. */
  dockerfileName: string;
  target: string | null;
  status: BuildStatus;
  /** ISO dates; completedAt is null while running. */
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  steps: { total: number; cached: number; completed: number };
  /** The local image it produced, when one matches. */
  image: BuildImage | null;
  /** First line of the error of a failed or canceled build. */
  errorMessage: string | null;
}

export interface BuildDockerfile {
  filename: string;
  text: string;
  /** Where the text came from: the provenance attestation or the error details of a failed build. */
  origin: 'provenance' | 'error-details';
}

export interface BuildErrorInfo {
  message: string;
  /** gRPC status code of the build's error (1 = canceled). */
  code: number;
  /** The failing instruction's lines in the Dockerfile (1-based, inclusive; continuation lines included). */
  location: { filename: string; startLine: number; endLine: number } | null;
  /** The last lines the failing step printed, when the build log is still there. */
  logExcerpt: string | null;
}

export interface CacheMountHint {
  /** The Go module cache mounts of the failing instruction (`id` defaults to the target). */
  mounts: { target: string; id: string }[];
  /** Their BuildKit cache records, to prune with `{scope: "ids", ids}` (empty when none is listed). */
  recordIds: string[];
}

export interface GoChecksumMismatch {
  /** `path@version` of the module whose cached hash disagreed with go.sum. */
  module: string;
  /** Null when the failing step mounts no Go module cache (the stale cache is then in a layer). */
  cacheMountHint: CacheMountHint | null;
}

export interface DoctorFindingLike {
  rule: string;
  severity: string;
  line: number;
  message: string;
}

export interface DoctorRunOptions {
  /** Env (`NAME=value` list) of a local image the Dockerfile builds FROM. */
  localImageEnv?: (image: string) => string[] | undefined;
}

/** The Dockerfile doctor (core/doctor), passed in. */
export interface DockerfileDoctor {
  lintDockerfile(text: string, opts?: DoctorRunOptions): { findings: DoctorFindingLike[] };
  fixDockerfile(
    text: string,
    opts?: DoctorRunOptions,
  ): { fixed: string; diff: string; findings: DoctorFindingLike[] };
  /** External images the FROM lines name, to look up locally (their GOPATH, HOME, Go version). */
  baseImages?(text: string): string[];
}

export interface BuildDoctorReport {
  findings: DoctorFindingLike[];
  fixed: string;
  diff: string;
}

export interface BuildDetail extends BuildSummary {
  dockerfile: BuildDockerfile | null;
  /** Why `dockerfile` is null. */
  sourceUnavailable: string | null;
  error: BuildErrorInfo | null;
  goChecksumMismatch: GoChecksumMismatch | null;
  doctor: BuildDoctorReport | null;
  /** Why `doctor` is null while a Dockerfile is known. */
  doctorError: string | null;
}

// ---------------------------------------------------------------------------------------------------
// Reading records and blobs

export function assertBuildRef(ref: unknown): string {
  if (typeof ref !== 'string' || !REF_PATTERN.test(ref)) {
    const shown =
      typeof ref === 'string' ? JSON.stringify(ref.length > 80 ? `${ref.slice(0, 80)}…` : ref) : typeof ref;
    throw new LensError(
      'bad-input',
      `build ref must be a BuildKit build reference like 4npx2qzpaay2tarz7z28qi558, not ${shown}`,
    );
  }
  return ref;
}

/** Every record (or the one named), as BuildKit lists them; running builds included. */
export async function listHistoryRecords(
  session: GrpcSession,
  opts: { ref?: string; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<PbBuildHistoryRecord[]> {
  const byRef = new Map<string, PbBuildHistoryRecord>();
  await session.call(
    LISTEN,
    encodeBuildHistoryRequest({ earlyExit: true, ref: opts.ref ?? '' }),
    (m) => {
      const ev = decodeBuildHistoryEvent(m);
      if (!ev.record?.ref) return;
      if (ev.type === 'DELETED') byRef.delete(ev.record.ref);
      else byRef.set(ev.record.ref, ev.record);
    },
    { signal: opts.signal, timeoutMs: opts.timeoutMs ?? CALL_TIMEOUT_MS },
  );
  return [...byRef.values()];
}

/** A blob of BuildKit's content store (provenance, logs). NotFound is a LensError 'not-found'. */
export async function readContent(
  session: GrpcSession,
  digest: string,
  opts: { maxBytes: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  await session.call(
    READ,
    encodeReadContentRequest({ digest }),
    (m) => {
      const { data } = decodeReadContentResponse(m);
      total += data.length;
      if (total > opts.maxBytes)
        throw new LensError('too-large', `blob ${digest} is larger than ${opts.maxBytes} bytes`);
      chunks.push(data);
    },
    { signal: opts.signal, timeoutMs: opts.timeoutMs ?? CALL_TIMEOUT_MS },
  );
  return Buffer.concat(chunks);
}

/** Runs `fn` on one BuildKit session to the engine and closes it. */
export async function withBuildKit<T>(
  engine: Engine,
  signal: AbortSignal | undefined,
  fn: (session: GrpcSession) => Promise<T>,
): Promise<T> {
  const session = await GrpcSession.open(engine, { signal });
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Summaries and image matching (pure)

function isoOf(t: PbTimestamp | null | undefined): string | null {
  if (!t || (!t.seconds && !t.nanos)) return null;
  return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6)).toISOString();
}

function msOf(t: PbTimestamp | null | undefined): number | null {
  if (!t || (!t.seconds && !t.nanos)) return null;
  return t.seconds * 1000 + t.nanos / 1e6;
}

export function buildStatusOf(r: Pick<PbBuildHistoryRecord, 'completedAt' | 'error'>): BuildStatus {
  if (msOf(r.completedAt) === null) return 'running';
  if (!r.error || r.error.code === 0) return 'completed';
  if (r.error.code === 1 || /context canceled/.test(r.error.message)) return 'canceled';
  return 'failed';
}

function sha256Digest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function descriptorsOf(r: PbBuildHistoryRecord): PbDescriptor[] {
  const out: PbDescriptor[] = [];
  for (const info of [r.result, ...Object.values(r.results ?? {})]) {
    if (!info) continue;
    if (info.resultDeprecated?.digest) out.push(info.resultDeprecated);
    for (const d of Object.values(info.results ?? {})) if (d?.digest) out.push(d);
  }
  return out;
}

/**
 * Image ids this record may have produced: the config digest (the image id on the classic store), the
 * result's index/manifest digests (the image id on the containerd store), and `containerimage.digest`
 * or `containerimage.descriptor` when the exporter reports them.
 */
export function imageIdsOfRecord(r: PbBuildHistoryRecord): Set<string> {
  const ids = new Set<string>();
  const resp = r.exporterResponse ?? {};
  const config = resp['containerimage.config'];
  if (config) ids.add(sha256Digest(config));
  const digest = resp['containerimage.digest'];
  if (digest) ids.add(digest);
  const desc = resp['containerimage.descriptor'];
  if (desc) {
    try {
      const d = JSON.parse(Buffer.from(desc, 'base64').toString('utf8')) as { digest?: unknown };
      if (typeof d.digest === 'string') ids.add(d.digest);
    } catch {
      // not base64 JSON: ignore
    }
  }
  for (const d of descriptorsOf(r)) ids.add(d.digest);
  return ids;
}

/** Local images by id. */
export type ImageIndex = Map<string, BuildImage>;

export function imageIndexOf(images: { id: string; tags: string[] }[]): ImageIndex {
  return new Map(images.map((i) => [i.id, { id: i.id, tags: i.tags }]));
}

export function imageOfRecord(r: PbBuildHistoryRecord, images: ImageIndex): BuildImage | null {
  if (buildStatusOf(r) !== 'completed') return null;
  for (const id of imageIdsOfRecord(r)) {
    const img = images.get(id);
    if (img) return img;
  }
  return null;
}

export function toBuildSummary(r: PbBuildHistoryRecord, images: ImageIndex): BuildSummary {
  const attrs = r.frontendAttrs ?? {};
  const dockerfileName = attrs.filename || 'Dockerfile';
  const target = attrs.target || null;
  const image = imageOfRecord(r, images);
  const status = buildStatusOf(r);
  const start = msOf(r.createdAt);
  const end = msOf(r.completedAt);
  const name =
    attrs['build-arg:BUILDKIT_BUILD_NAME'] ||
    image?.tags[0] ||
    r.exporterResponse?.['image.name']?.split(',')[0] ||
    (target ? `${dockerfileName} (${target})` : dockerfileName);
  return {
    ref: r.ref,
    name,
    dockerfileName,
    target,
    status,
    startedAt: isoOf(r.createdAt),
    completedAt: isoOf(r.completedAt),
    durationMs: start !== null && end !== null ? Math.max(0, Math.round(end - start)) : null,
    steps: {
      total: r.numTotalSteps ?? 0,
      cached: r.numCachedSteps ?? 0,
      completed: r.numCompletedSteps ?? 0,
    },
    image,
    errorMessage: status === 'failed' || status === 'canceled' ? firstLine(r.error?.message ?? '') : null,
  };
}

/** Newest first (records arrive in key order). */
export function sortRecords(records: PbBuildHistoryRecord[]): PbBuildHistoryRecord[] {
  return [...records].sort(
    (a, b) => (msOf(b.createdAt) ?? 0) - (msOf(a.createdAt) ?? 0) || a.ref.localeCompare(b.ref),
  );
}

// ---------------------------------------------------------------------------------------------------
// Dockerfile source (pure)

interface SourceInfoJson {
  filename?: unknown;
  language?: unknown;
  data?: unknown;
}

function pickInfo(infos: SourceInfoJson[], filename: string): SourceInfoJson | undefined {
  const withData = infos.filter((i) => typeof i.data === 'string');
  return (
    withData.find((i) => i.filename === filename) ??
    withData.find((i) => i.language === 'Dockerfile') ??
    withData[0]
  );
}

function decodeBase64Text(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}

/** The provenance attestation (SLSA v0.2 or v1, bare predicate or in-toto statement) to the Dockerfile. */
export function dockerfileFromProvenance(
  bytes: Buffer,
  filename: string,
): { filename: string; text: string } | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const predicate = (doc.predicate && typeof doc.predicate === 'object' ? doc.predicate : doc) as {
    metadata?: Record<string, unknown>;
    runDetails?: { metadata?: Record<string, unknown> };
  };
  const candidates = [
    predicate.metadata?.[BUILDKIT_METADATA],
    predicate.runDetails?.metadata?.[BUILDKIT_METADATA],
    predicate.runDetails?.metadata?.buildkit_metadata,
  ];
  for (const c of candidates) {
    const infos = (c as { source?: { infos?: unknown } } | undefined)?.source?.infos;
    if (!Array.isArray(infos)) continue;
    const info = pickInfo(infos as SourceInfoJson[], filename);
    if (info) {
      return {
        filename: typeof info.filename === 'string' ? info.filename : filename,
        text: decodeBase64Text(info.data as string),
      };
    }
  }
  return undefined;
}

export interface ErrorSource {
  filename: string;
  text: string;
  startLine: number;
  endLine: number;
}

function parseJsonDetail(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The Dockerfile and failing line range carried by a failed build's `errdefs.Source` detail. */
export function sourceFromErrorDetails(error: PbRpcStatus | null, filename: string): ErrorSource | undefined {
  const found: ErrorSource[] = [];
  for (const d of error?.details ?? []) {
    if (!d.typeUrl.endsWith('errdefs.Source+json')) continue;
    const j = parseJsonDetail(d.value) as
      | { info?: SourceInfoJson; ranges?: { start?: { line?: number }; end?: { line?: number } }[] }
      | undefined;
    if (!j?.info || typeof j.info.data !== 'string') continue;
    const range = j.ranges?.[0];
    const startLine = range?.start?.line ?? 0;
    found.push({
      filename: typeof j.info.filename === 'string' ? j.info.filename : filename,
      text: decodeBase64Text(j.info.data),
      startLine,
      endLine: range?.end?.line ?? startLine,
    });
  }
  return found.find((s) => s.filename === filename) ?? found[0];
}

/** The digest of the step that failed (`errdefs.Vertex` detail). */
export function failingVertexOf(error: PbRpcStatus | null): string | undefined {
  for (const d of error?.details ?? []) {
    if (!d.typeUrl.endsWith('errdefs.Vertex+json')) continue;
    const j = parseJsonDetail(d.value) as { digest?: unknown } | undefined;
    if (typeof j?.digest === 'string') return j.digest;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Build logs and Go checksum mismatches (pure)

export interface BuildLog {
  /** Step names by vertex digest. */
  names: Map<string, string>;
  /** Vertices that reported an error. */
  failed: string[];
  /** Output per vertex digest, in order. */
  output: Map<string, string>;
}

/** BuildKit's status log blob: StatusResponse messages, each after a 4-byte little-endian length. */
export function parseStatusLog(blob: Buffer): BuildLog {
  const log: BuildLog = { names: new Map(), failed: [], output: new Map() };
  const parts = new Map<string, Buffer[]>();
  let p = 0;
  while (p + 4 <= blob.length) {
    const len = blob.readUInt32LE(p);
    if (p + 4 + len > blob.length) break; // truncated tail: keep what was read
    const msg = decodeStatusResponse(blob.subarray(p + 4, p + 4 + len));
    p += 4 + len;
    for (const v of msg.vertexes) {
      if (v.name) log.names.set(v.digest, v.name);
      if (v.error && !log.failed.includes(v.digest)) log.failed.push(v.digest);
    }
    for (const l of msg.logs) {
      const list = parts.get(l.vertex) ?? [];
      list.push(l.msg);
      parts.set(l.vertex, list);
    }
  }
  for (const [v, list] of parts) log.output.set(v, Buffer.concat(list).toString('utf8'));
  return log;
}

/** The last lines of a step's output, bounded. */
export function logExcerpt(output: string): string {
  const lines = output.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  let text = lines.slice(-LOG_EXCERPT_LINES).join('\n');
  if (text.length > LOG_EXCERPT_CHARS) text = `…${text.slice(-LOG_EXCERPT_CHARS)}`;
  return text;
}

/**
 * The module named by Go's checksum mismatch message, as `path@version`:
 * `verifying example.com/x@v1.2.3: checksum mismatch`, `verifying example.com/x@v1.2.3/go.mod: checksum
 * mismatch`, or `example.com/x@v1.2.3: verifying module: checksum mismatch`.
 */
export function findChecksumMismatch(text: string): string | undefined {
  const a = /verifying ([^\s@:]+)@([^\s:/]+)(?:\/go\.mod)?: checksum mismatch/.exec(text);
  if (a) return `${a[1]}@${a[2]}`;
  const b = /([^\s@:]+)@([^\s:/]+): verifying (?:go\.mod|module): checksum mismatch/.exec(text);
  if (b) return `${b[1]}@${b[2]}`;
  return undefined;
}

/**
 * The last line (1-based) of the instruction that starts on `startLine`: BuildKit reports only the first
 * line of a continued instruction. Follows line continuations (the escape character of an `# escape=`
 * directive, trailing blanks after it tolerated; comment and blank lines inside a continuation skipped)
 * and heredocs (`<<EOF` … `EOF`).
 */
export function instructionEndLine(dockerfile: string, startLine: number): number {
  const lines = dockerfile.split(/\r?\n/);
  if (startLine < 1 || startLine > lines.length) return startLine;
  const escape = /^#\s*escape\s*=\s*`/im.test(lines.slice(0, 5).join('\n')) ? '`' : '\\';
  const continues = (l: string) => l.replace(/[ \t]+$/, '').endsWith(escape);
  let i = startLine - 1;
  const heredocs: string[] = [];
  for (;;) {
    const line = lines[i] ?? '';
    for (const m of line.matchAll(/<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g)) heredocs.push(m[2]!);
    if (!continues(line) || i + 1 >= lines.length) break;
    i++;
    while (i + 1 < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) i++;
  }
  for (const word of heredocs) {
    while (i + 1 < lines.length) {
      i++;
      if (lines[i]!.replace(/^\t+/, '') === word) break;
    }
  }
  return i + 1;
}

/** `--mount=type=cache,...` flags of the instruction that starts on `startLine` (1-based). */
export function cacheMountsOfInstruction(
  dockerfile: string,
  startLine: number,
): { target: string; id: string }[] {
  const lines = dockerfile.split(/\r?\n/);
  if (startLine < 1 || startLine > lines.length) return [];
  const instruction = lines.slice(startLine - 1, instructionEndLine(dockerfile, startLine)).join('\n');
  const mounts: { target: string; id: string }[] = [];
  for (const m of instruction.matchAll(/--mount=(?:"([^"]*)"|'([^']*)'|(\S+))/g)) {
    const opts = new Map<string, string>();
    for (const part of (m[1] ?? m[2] ?? m[3] ?? '').split(',')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      const value =
        eq < 0
          ? ''
          : part
              .slice(eq + 1)
              .trim()
              .replace(/^["']|["']$/g, '');
      opts.set(key, value);
    }
    if (opts.get('type') !== 'cache') continue;
    const target = opts.get('target') ?? opts.get('dst') ?? opts.get('destination');
    if (!target) continue;
    mounts.push({ target, id: opts.get('id') || target });
  }
  return mounts;
}

function isModuleCacheMount(m: { target: string; id: string }, instruction: string): boolean {
  if (goCacheKindOfPath(m.target) === 'module' || goCacheKindOfPath(m.id) === 'module') return true;
  const assigned = /\b(?:GOMODCACHE|GOPATH)=("([^"]*)"|'([^']*)'|(\S+))/g;
  for (const a of instruction.matchAll(assigned)) {
    const v = a[2] ?? a[3] ?? a[4] ?? '';
    if (v === m.target || v.startsWith(`${m.target.replace(/\/$/, '')}/`)) return true;
  }
  return false;
}

function normalizeMountId(id: string): string {
  return id.replace(/\/+/g, '/').replace(/^\//, '');
}

/** The Go module cache mounts of the failing instruction and the build cache records that hold them. */
export function goModuleCacheHint(
  dockerfile: string,
  startLine: number,
  cacheRecords: { ID: string; Type: string; Description?: string }[],
): CacheMountHint | null {
  const end = instructionEndLine(dockerfile, startLine);
  const lines = dockerfile
    .split(/\r?\n/)
    .slice(startLine - 1, end)
    .join('\n');
  const mounts = cacheMountsOfInstruction(dockerfile, startLine).filter((m) => isModuleCacheMount(m, lines));
  if (mounts.length === 0) return null;
  const wanted = new Set(mounts.map((m) => normalizeMountId(m.id)));
  const recordIds = cacheRecords
    .filter((r) => r.Type === 'exec.cachemount')
    .filter((r) => {
      const info = parseCacheMountDescription(r.Description ?? '');
      return info !== undefined && wanted.has(normalizeMountId(info.id ?? info.target));
    })
    .map((r) => r.ID);
  return { mounts, recordIds };
}

// ---------------------------------------------------------------------------------------------------
// One build in detail

/** What assembling a detail needs from the engine; tests pass recorded answers. */
export interface DetailSources {
  /** A blob by descriptor; a LensError 'not-found' when BuildKit no longer has it. */
  readBlob(desc: PbDescriptor, maxBytes: number): Promise<Buffer>;
  /** `/system/df` build cache records, for the cache mount hint. */
  buildCacheRecords(): Promise<{ ID: string; Type: string; Description?: string }[]>;
  /** The env of a local image, undefined when there is none by that name. */
  imageEnv?(image: string): Promise<string[] | undefined>;
}

function provenanceDescriptors(r: PbBuildHistoryRecord): PbDescriptor[] {
  const out: PbDescriptor[] = [];
  for (const info of [r.result, ...Object.values(r.results ?? {})]) {
    for (const d of info?.attestations ?? []) {
      const type = d.annotations?.['in-toto.io/predicate-type'] ?? '';
      if (
        d.mediaType === 'application/vnd.in-toto+json' &&
        (type === '' || type.includes('slsa.dev/provenance'))
      ) {
        if (!out.some((o) => o.digest === d.digest)) out.push(d);
      }
    }
  }
  return out;
}

function blobProblem(e: unknown, what: string): string {
  if (e instanceof LensError && (e.code === 'not-found' || grpcCodeOf(e) === 5)) {
    return `the ${what} is no longer in BuildKit's store (garbage-collected before the record)`;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return `the ${what} could not be read: ${msg}`;
}

const MAX_BASE_IMAGES = 16;

async function runDoctor(
  doctor: DockerfileDoctor | undefined,
  text: string,
  sources: DetailSources,
): Promise<{ doctor: BuildDoctorReport | null; doctorError: string | null }> {
  if (!doctor) return { doctor: null, doctorError: 'the Dockerfile doctor is not available' };
  // The base images were local when the build ran: their env tells the doctor where GOPATH and the
  // caches really are. Best effort: an image gone since leaves the doctor with the image name only.
  const envs = new Map<string, string[]>();
  if (doctor.baseImages && sources.imageEnv) {
    let names: string[] = [];
    try {
      names = doctor.baseImages(text).filter(isImageRef).slice(0, MAX_BASE_IMAGES);
    } catch {
      // a Dockerfile the doctor cannot parse: lint reports that below
    }
    await Promise.all(
      names.map(async (name) => {
        const env = await sources.imageEnv!(name).catch(() => undefined);
        if (env) envs.set(name, env);
      }),
    );
  }
  const opts: DoctorRunOptions = { localImageEnv: (image) => envs.get(image) };
  try {
    const { findings } = doctor.lintDockerfile(text, opts);
    const { fixed, diff } = doctor.fixDockerfile(text, opts);
    return { doctor: { findings, fixed, diff }, doctorError: null };
  } catch (e) {
    return { doctor: null, doctorError: e instanceof Error ? firstLine(e.message) : String(e) };
  }
}

/**
 * The detail of one record. Every blob is optional: a missing provenance or log leaves its part empty
 * with the reason in `sourceUnavailable`, and never fails the whole answer.
 */
export async function assembleBuildDetail(
  r: PbBuildHistoryRecord,
  images: ImageIndex,
  sources: DetailSources,
  doctor?: DockerfileDoctor,
): Promise<BuildDetail> {
  const summary = toBuildSummary(r, images);
  let dockerfile: BuildDockerfile | null = null;
  const problems: string[] = [];

  const provenance = provenanceDescriptors(r);
  for (const desc of provenance) {
    try {
      const found = dockerfileFromProvenance(
        await sources.readBlob(desc, MAX_PROVENANCE_BYTES),
        summary.dockerfileName,
      );
      if (found) {
        dockerfile = { ...found, origin: 'provenance' };
        break;
      }
      problems.push('the provenance attestation carries no Dockerfile source');
    } catch (e) {
      problems.push(blobProblem(e, 'provenance attestation'));
    }
  }

  let error: BuildErrorInfo | null = null;
  let goChecksumMismatch: GoChecksumMismatch | null = null;
  if (r.error && r.error.code !== 0) {
    const src = sourceFromErrorDetails(r.error, summary.dockerfileName);
    if (src && !dockerfile) dockerfile = { filename: src.filename, text: src.text, origin: 'error-details' };
    error = {
      message: r.error.message,
      code: r.error.code,
      location:
        src && src.startLine > 0
          ? {
              filename: src.filename,
              startLine: src.startLine,
              endLine: Math.max(src.endLine, instructionEndLine(src.text, src.startLine)),
            }
          : null,
      logExcerpt: null,
    };
    let failedOutput = '';
    if (summary.status === 'failed' && r.logs?.digest) {
      try {
        const log = parseStatusLog(await sources.readBlob(r.logs, MAX_LOG_BYTES));
        const vertex = failingVertexOf(r.error) ?? log.failed[log.failed.length - 1];
        failedOutput = (vertex && log.output.get(vertex)) || '';
        if (failedOutput) error.logExcerpt = logExcerpt(failedOutput);
        if (!findChecksumMismatch(`${r.error.message}\n${failedOutput}`)) {
          // The message may sit in another step's output (a step that failed first in a parallel stage).
          const all = [...log.output.values()].join('\n');
          if (findChecksumMismatch(all)) failedOutput = all;
        }
      } catch (e) {
        problems.push(blobProblem(e, 'build log'));
      }
    }
    const module = findChecksumMismatch(`${r.error.message}\n${failedOutput}`);
    if (module) {
      let cacheMountHint: CacheMountHint | null = null;
      if (src && src.startLine > 0) {
        let records: { ID: string; Type: string; Description?: string }[] = [];
        try {
          records = await sources.buildCacheRecords();
        } catch {
          // the hint then names the mounts without their records
        }
        cacheMountHint = goModuleCacheHint(src.text, src.startLine, records);
      }
      goChecksumMismatch = { module, cacheMountHint };
    }
  }

  let sourceUnavailable: string | null = null;
  if (!dockerfile) {
    if (problems.length > 0) sourceUnavailable = problems[0]!;
    else if (summary.status === 'running') sourceUnavailable = 'the build is still running';
    else if (provenance.length === 0 && summary.status === 'completed') {
      sourceUnavailable = 'the build recorded no provenance attestation (built without provenance)';
    } else sourceUnavailable = 'the record carries no Dockerfile source';
  }
  const doctorPart = dockerfile
    ? await runDoctor(doctor, dockerfile.text, sources)
    : { doctor: null, doctorError: null };
  return { ...summary, dockerfile, sourceUnavailable, error, goChecksumMismatch, ...doctorPart };
}

function engineSources(engine: Engine, session: GrpcSession, signal?: AbortSignal): DetailSources {
  return {
    readBlob: (desc, maxBytes) => {
      if (desc.size > maxBytes) {
        return Promise.reject(
          new LensError('too-large', `blob ${desc.digest} is larger than ${maxBytes} bytes`),
        );
      }
      return readContent(session, desc.digest, { maxBytes, signal });
    },
    buildCacheRecords: () => listRawBuildCache(engine, signal),
    imageEnv: (image) => localImageEnv(engine, image, signal),
  };
}

// ---------------------------------------------------------------------------------------------------
// Engine-facing API

export interface BuildQueryOptions {
  signal?: AbortSignal;
  doctor?: DockerfileDoctor;
}

/** Age after which a listing of local images is refreshed in the background. */
const IMAGE_LIST_TTL_MS = 5000;
/** Above this many builds finished since the last listing, list again rather than inspect each. */
const MAX_INSPECTED_RECORDS = 8;

interface ImageSnapshot {
  takenAt: number;
  index: ImageIndex;
  /** Completed records this listing is authoritative for (they finished before it was taken). */
  seen: Set<string>;
}

/**
 * Ties records to local images without listing every image for every request (the engine lists them
 * slowly: 0.3 to 1 s on the containerd store). The build list uses a listing of local images taken after
 * the records were read, so every completed record's image is in it; builds that finished since are
 * checked by inspecting their candidate ids, which takes milliseconds. A listing older than a few
 * seconds still answers while a fresh one is taken in the background, so a deleted or retagged image can
 * show until then. One record alone (a detail, a live event) is always checked by inspect.
 */
export class ImageMatcher {
  private snapshot: ImageSnapshot | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly ttlMs = IMAGE_LIST_TTL_MS,
  ) {}

  /** An index covering the images of these records (read from the engine after the records). */
  async forRecords(records: PbBuildHistoryRecord[], signal?: AbortSignal): Promise<ImageIndex> {
    const completed = records.filter((r) => buildStatusOf(r) === 'completed');
    const snap = this.snapshot;
    const unseen = snap ? completed.filter((r) => !snap.seen.has(r.ref)) : completed;
    if (!snap || unseen.length > MAX_INSPECTED_RECORDS) {
      const fresh = await this.list(new Set(completed.map((r) => r.ref)), signal);
      return fresh.index;
    }
    if (Date.now() - snap.takenAt > this.ttlMs && !this.refreshing) {
      const seen = new Set(snap.seen);
      this.refreshing = this.list(seen)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => (this.refreshing = undefined));
    }
    for (let i = 0; i < unseen.length; i += 4) {
      await Promise.all(unseen.slice(i, i + 4).map((r) => this.inspectInto(r, snap.index, signal)));
    }
    for (const r of unseen) snap.seen.add(r.ref);
    return snap.index;
  }

  /** Waits for a background refresh, if one runs (tests). */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  /** Lists local images; `seen` are the completed records known before the listing started. */
  private async list(seen: Set<string>, signal?: AbortSignal): Promise<ImageSnapshot> {
    const takenAt = Date.now();
    const index = imageIndexOf(await listImages(this.engine, signal));
    const snap = { takenAt, index, seen };
    if (!this.snapshot || this.snapshot.takenAt <= takenAt) this.snapshot = snap;
    return snap;
  }

  /** The image of one record, by inspecting its candidate ids now. */
  async forRecord(r: PbBuildHistoryRecord, signal?: AbortSignal): Promise<ImageIndex> {
    const index: ImageIndex = new Map();
    if (buildStatusOf(r) !== 'completed') return index;
    await this.inspectInto(r, index, signal);
    const snap = this.snapshot;
    if (snap) {
      for (const [id, img] of index) snap.index.set(id, img);
      snap.seen.add(r.ref);
    }
    return index;
  }

  private async inspectInto(r: PbBuildHistoryRecord, index: ImageIndex, signal?: AbortSignal): Promise<void> {
    for (const id of imageIdsOfRecord(r)) {
      if (index.has(id)) return;
      try {
        const info = await inspectImage(this.engine, id, signal);
        if (info.id === id) {
          index.set(info.id, { id: info.id, tags: info.tags.filter((t) => t !== '<none>:<none>') });
          return;
        }
      } catch (e) {
        if (e instanceof LensError && e.code !== 'not-found') throw e;
      }
    }
  }
}

const matchers = new WeakMap<Engine, ImageMatcher>();

/** The image matcher shared by everything that reads builds from this engine. */
export function imageMatcherOf(engine: Engine): ImageMatcher {
  let m = matchers.get(engine);
  if (!m) {
    m = new ImageMatcher(engine);
    matchers.set(engine, m);
  }
  return m;
}

/** Every build BuildKit remembers, newest first, tied to the local images they produced. */
export async function listBuilds(
  engine: Engine,
  opts: { signal?: AbortSignal; limit?: number } = {},
): Promise<BuildSummary[]> {
  const records = await withBuildKit(engine, opts.signal, (s) =>
    listHistoryRecords(s, { signal: opts.signal }),
  );
  const sorted = sortRecords(records);
  const shown = opts.limit === undefined ? sorted : sorted.slice(0, opts.limit);
  const images = await imageMatcherOf(engine).forRecords(shown, opts.signal);
  return shown.map((r) => toBuildSummary(r, images));
}

/** One build with its Dockerfile, error, checksum-mismatch flag and doctor report. */
export async function getBuild(
  engine: Engine,
  ref: string,
  opts: BuildQueryOptions = {},
): Promise<BuildDetail> {
  assertBuildRef(ref);
  return withBuildKit(engine, opts.signal, async (session) => {
    const records = await listHistoryRecords(session, { ref, signal: opts.signal });
    const record = records.find((r) => r.ref === ref);
    if (!record) throw new LensError('not-found', `no build record "${ref}" (BuildKit may have pruned it)`);
    const images = await imageMatcherOf(engine).forRecord(record, opts.signal);
    return assembleBuildDetail(record, images, engineSources(engine, session, opts.signal), opts.doctor);
  });
}

/** The newest build that produced this image (by id or reference); not-found when none is recorded. */
export async function getBuildOfImage(
  engine: Engine,
  image: string,
  opts: BuildQueryOptions = {},
): Promise<BuildDetail> {
  const info = await inspectImage(engine, image, opts.signal);
  return withBuildKit(engine, opts.signal, async (session) => {
    const records = sortRecords(await listHistoryRecords(session, { signal: opts.signal }));
    const record = records.find((r) => buildStatusOf(r) === 'completed' && imageIdsOfRecord(r).has(info.id));
    if (!record) {
      throw new LensError(
        'not-found',
        `no build record for image "${image}" (built by another builder, pulled, or its record was pruned)`,
      );
    }
    const images: ImageIndex = new Map([[info.id, { id: info.id, tags: info.tags }]]);
    return assembleBuildDetail(record, images, engineSources(engine, session, opts.signal), opts.doctor);
  });
}

// ---------------------------------------------------------------------------------------------------
// Live feed

export interface BuildEvent {
  type: 'started' | 'completed' | 'deleted';
  ref: string;
  /** Absent for `deleted`. */
  build?: BuildSummary;
}

export type BuildWatcherState =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'retrying'; error: { code: string; message: string } };

/**
 * What a listener sees of a record. BuildKit sends a record again when it attaches the trace a few
 * seconds after the build (a new generation, same summary): that is not a new event.
 */
function stateKeyOf(r: PbBuildHistoryRecord): string {
  return `${msOf(r.completedAt) ?? 'running'}|${r.error?.code ?? 0}|${r.numTotalSteps}|${r.numCachedSteps}|${r.numCompletedSteps}`;
}

/**
 * One live `ListenBuildHistory` stream shared by every subscriber: it starts with the first subscriber
 * and stops with the last. It first lists the records that exist, so the stream's replay of old records
 * is not reported as new, then reports each started, completed or deleted build once. When the engine
 * goes away it retries every `retryMs` while anyone listens.
 */
export class BuildWatcher {
  private readonly listeners = new Set<(e: BuildEvent) => void>();
  private readonly stateListeners = new Set<(s: BuildWatcherState) => void>();
  private abort: AbortController | undefined;
  private current: BuildWatcherState = { state: 'connecting' };
  private queue: Promise<void> = Promise.resolve();
  private readonly retryMs: number;

  constructor(
    private readonly engine: Engine,
    opts: { retryMs?: number } = {},
  ) {
    this.retryMs = opts.retryMs ?? 2000;
  }

  get state(): BuildWatcherState {
    return this.current;
  }

  /** Adds a listener (starting the stream if needed); the returned function removes it. */
  subscribe(onEvent: (e: BuildEvent) => void, onState?: (s: BuildWatcherState) => void): () => void {
    this.listeners.add(onEvent);
    if (onState) {
      this.stateListeners.add(onState);
      onState(this.current);
    }
    if (!this.abort) this.start();
    return () => {
      this.listeners.delete(onEvent);
      if (onState) this.stateListeners.delete(onState);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Stops the stream and drops every listener. */
  close(): void {
    this.listeners.clear();
    this.stateListeners.clear();
    this.stop();
  }

  private setState(s: BuildWatcherState): void {
    if (JSON.stringify(s) === JSON.stringify(this.current)) return;
    this.current = s;
    for (const l of this.stateListeners) l(s);
  }

  private start(): void {
    const abort = new AbortController();
    this.abort = abort;
    this.run(abort.signal).catch(() => undefined);
  }

  private stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.current = { state: 'connecting' };
  }

  private emit(e: BuildEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // one listener's failure must not stop the others
      }
    }
  }

  /** Events go out in the order they arrived, even though completed builds wait for the image list. */
  private report(type: BuildEvent['type'], r: PbBuildHistoryRecord, signal: AbortSignal): void {
    this.queue = this.queue.then(async () => {
      if (type === 'deleted') {
        if (!signal.aborted) this.emit({ type, ref: r.ref });
        return;
      }
      let images: ImageIndex = new Map();
      if (type === 'completed') {
        images = await imageMatcherOf(this.engine)
          .forRecord(r, signal)
          .catch(() => new Map());
      }
      if (!signal.aborted) this.emit({ type, ref: r.ref, build: toBuildSummary(r, images) });
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let session: GrpcSession | undefined;
      try {
        session = await GrpcSession.open(this.engine, { signal });
        const known = new Map<string, string>();
        for (const r of await listHistoryRecords(session, { signal })) known.set(r.ref, stateKeyOf(r));
        // BuildKit answers the call's headers at once (they carry its clock): from then on it is live.
        await session.call(
          LISTEN,
          encodeBuildHistoryRequest({ earlyExit: false }),
          (m) => {
            const ev = decodeBuildHistoryEvent(m);
            const r = ev.record;
            if (!r?.ref) return;
            if (ev.type === 'DELETED') {
              if (known.delete(r.ref)) this.report('deleted', r, signal);
              return;
            }
            const key = stateKeyOf(r);
            if (known.get(r.ref) === key) return;
            known.set(r.ref, key);
            this.report(buildStatusOf(r) === 'running' ? 'started' : 'completed', r, signal);
          },
          { signal, onResponse: () => this.setState({ state: 'live' }) },
        );
        if (signal.aborted) return;
        throw new LensError('engine-unavailable', 'the build history stream ended');
      } catch (e) {
        if (signal.aborted) return;
        const err = e instanceof LensError ? e : new LensError('engine-error', String(e), e);
        this.setState({ state: 'retrying', error: { code: err.code, message: err.message } });
      } finally {
        session?.close();
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.retryMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}

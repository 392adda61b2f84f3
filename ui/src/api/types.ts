/**
 * Shapes of the GoCache Lens HTTP API as the UI reads them. The analysis result is the backend's own
 * contract (type-only import: nothing of the backend enters the bundle), with finding kinds left open so
 * a newer backend's kinds still display.
 */
import type * as Core from '../../../backend/src/core/analysisTypes';

export type Severity = Core.Severity;

// ---- Image analysis result (PRODUCT.md section 4) ----

export type ModuleUsage = Core.ModuleUsage;
export type GoCacheInLayer = Core.GoCacheInLayer;
export type LayerReport = Core.LayerReport;
export type FindingKind = Core.FindingKind;
export type AnalysisSummary = Core.AnalysisResult['summary'];

export interface ImageFinding extends Omit<Core.ImageFinding, 'kind'> {
  /** Known kinds above; newer backends may add more. */
  kind: FindingKind | (string & {});
}

export interface AnalysisResult extends Omit<Core.AnalysisResult, 'findings'> {
  findings: ImageFinding[];
}

// ---- Engine ----

export interface EngineHealth {
  reachable: boolean;
  version?: string;
  apiVersion?: string;
  imageStore?: string;
  /** Why the engine is not reachable, when it is not. */
  error?: string;
}

export interface Health {
  engine: EngineHealth;
}

// ---- Images ----

export interface ImageSummary {
  id: string;
  tags: string[];
  sizeBytes: number;
  /** ISO date. */
  created: string;
  lastAnalysis?: { analyzedAt: string; summary: AnalysisSummary };
}

export interface HistoryEntry {
  instruction: string;
  sizeBytes: number;
  created?: string;
  /** True for metadata-only steps (ENV, CMD, ...) that produce no layer. */
  empty: boolean;
  /** e.g. `Imported from -` for a base made with docker import. */
  comment?: string;
}

// ---- Analyses ----

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  bytesRead: number;
  bytesTotal: number;
  layer?: string;
}

export interface AnalysisJob {
  id: string;
  /** The image as requested (reference or id). */
  image: string;
  /** The image id it resolved to. */
  imageId?: string;
  status: JobStatus;
  progress: JobProgress;
  result?: AnalysisResult;
  error?: { code: string; message: string };
}

/** One stored analysis as listed by GET /api/analyses?image= (summary only, for trends). */
export interface PastAnalysis {
  analyzedAt: string;
  imageId: string;
  ref: string;
  sizeBytes: number;
  summary: AnalysisSummary;
  findings: number;
}

/** The newest full result of an image. */
export interface StoredAnalysis {
  analyzedAt: string;
  result: AnalysisResult;
}

// ---- Build cache ----

export type BuildCacheCategory =
  'go-module-cache' | 'go-build-cache' | 'cache-mount' | 'layer' | 'source' | 'other';

export interface BuildCacheRecord {
  id: string;
  type: string;
  description: string;
  category: BuildCacheCategory;
  size: number;
  inUse: boolean;
  shared: boolean;
  lastUsedAt?: string | null;
  usageCount: number;
}

export interface BuildCacheListing {
  records: BuildCacheRecord[];
  totals: Partial<Record<BuildCacheCategory | 'total', number>>;
}

export type PruneScope = 'go-caches' | 'cache-mounts' | 'ids';

export interface PruneSelection {
  scope: PruneScope;
  ids?: string[];
  unusedFor?: string;
}

export interface PruneAnswer {
  dryRun: boolean;
  /** Selected (dry run) or deleted record ids. */
  records: string[];
  bytes: number;
  /** Token of the dry run's selection; the confirming request sends it back. */
  selection?: string;
  /** Records left out: in use or shared with images. */
  skipped: { id: string; reason: string }[];
  reclaimedBytes?: number;
  notDeleted?: string[];
}

// ---- Dockerfile doctor ----

export interface DoctorFinding {
  rule: string;
  severity: Severity;
  line: number;
  endLine: number;
  message: string;
  explanation: string;
  fix?: string;
}

export interface LintAnswer {
  findings: DoctorFinding[];
}

export interface FixAnswer {
  fixed: string;
  diff: string;
  findings: DoctorFinding[];
  dockerignore?: string;
}

// ---- Compare ----

/** Bytes of one image by category; the parts add up to its total. */
export interface CompareBreakdown {
  /** Layers also present in another compared image. */
  base: number;
  moduleCache: number;
  buildCache: number;
  wasted: number;
  rest: number;
}

export interface CompareEntry {
  /** As requested. */
  image: string;
  imageId: string;
  ref: string;
  totalBytes: number;
  analyzedAt?: string;
  breakdown: CompareBreakdown;
}

// ---- Builds (BuildKit build history) ----

export type BuildStatus = 'running' | 'completed' | 'failed' | 'canceled';

export interface BuildSummary {
  ref: string;
  /** The image tag it produced, else the Dockerfile name (and target). */
  name: string;
  dockerfileName: string;
  target: string | null;
  status: BuildStatus;
  /** ISO dates; completedAt is null while running. */
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  steps: { total: number; cached: number; completed: number };
  /** The local image it produced, when one matches. */
  image: { id: string; tags: string[] } | null;
  /** First line of the error of a failed or canceled build. */
  errorMessage: string | null;
}

export interface BuildDockerfile {
  filename: string;
  text: string;
  origin: 'provenance' | 'error-details';
}

export interface BuildError {
  message: string;
  /** gRPC status code (1 = canceled). */
  code: number;
  /** The failing instruction's lines (1-based, inclusive). */
  location: { filename: string; startLine: number; endLine: number } | null;
  /** The last lines the failing step printed. */
  logExcerpt: string | null;
}

export interface GoChecksumMismatch {
  /** `path@version`. */
  module: string;
  /** The Go module cache mounts of the failing step and their cache records; null when it mounts none. */
  cacheMountHint: { mounts: { target: string; id: string }[]; recordIds: string[] } | null;
}

export interface BuildDetail extends BuildSummary {
  dockerfile: BuildDockerfile | null;
  /** Why `dockerfile` is null. */
  sourceUnavailable: string | null;
  error: BuildError | null;
  goChecksumMismatch: GoChecksumMismatch | null;
  /** The Dockerfile doctor run on the build's Dockerfile. */
  doctor: { findings: DoctorFinding[]; fixed: string; diff: string } | null;
  doctorError: string | null;
}

/** One message of the live build feed. */
export type BuildFeedMessage =
  | { kind: 'state'; state: 'connecting' | 'live' | 'retrying'; error?: string }
  | { kind: 'build'; type: 'started' | 'completed' | 'deleted'; ref: string; build?: BuildSummary };

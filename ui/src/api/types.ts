/**
 * Shapes of the GoCache Lens HTTP API as the UI reads them. The analysis result mirrors the backend's
 * AnalysisResult contract (schemaVersion 1); the UI bundle never imports backend code.
 */

export type Severity = 'error' | 'warning' | 'info';

// ---- Image analysis result (PRODUCT.md section 4) ----

export interface ModuleUsage {
  path: string;
  version: string;
  bytes: number;
}

export interface GoCacheInLayer {
  kind: 'module-cache' | 'build-cache';
  root: string;
  bytes: number;
  files: number;
  modules: ModuleUsage[];
}

export interface LayerReport {
  index: number;
  diffId: string;
  createdBy: string;
  sizeBytes: number;
  goCaches: GoCacheInLayer[];
  deletedGoCacheBytes: number;
}

export type FindingKind =
  | 'module-cache-in-image'
  | 'build-cache-in-image'
  | 'cache-deleted-later'
  | 'foreign-modules'
  | 'checksum-mismatch'
  | 'insecure-go-env';

export interface ImageFinding {
  /** Known kinds above; newer backends may add more. */
  kind: FindingKind | (string & {});
  severity: Severity;
  layerIndex: number;
  message: string;
  modules?: string[];
  env?: string[];
}

export interface AnalysisSummary {
  polluted: boolean;
  moduleCacheBytes: number;
  buildCacheBytes: number;
  wastedGoCacheBytes: number;
}

export interface AnalysisResult {
  schemaVersion: number;
  image: { ref: string; id: string; sizeBytes: number };
  layers: LayerReport[];
  findings: ImageFinding[];
  summary: AnalysisSummary;
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
  image: string;
  status: JobStatus;
  progress: JobProgress;
  result?: AnalysisResult;
  error?: { code: string; message: string };
}

export interface StoredAnalysis {
  analyzedAt: string;
  imageId: string;
  ref: string;
  result: AnalysisResult;
}

// ---- Build cache ----

export type BuildCacheCategory = 'go-module-cache' | 'go-build-cache' | 'cache-mount' | 'layer' | 'source' | 'other';

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
  records: string[];
  bytes: number;
  reclaimedBytes?: number;
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

/** Bytes of one image by category; the parts add up to the image size. */
export interface CompareBreakdown {
  base: number;
  moduleCache: number;
  buildCache: number;
  wasted: number;
  rest: number;
}

export interface CompareEntry {
  image: string;
  ref: string;
  sizeBytes: number;
  analyzedAt?: string;
  breakdown: CompareBreakdown;
}

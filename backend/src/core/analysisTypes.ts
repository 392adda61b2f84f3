/**
 * The image analysis result: the JSON contract of `gocache-lens analyze --format json` and of
 * `GET /api/analyses/{id}`.result. Field names are stable; bump SCHEMA_VERSION on breaking changes.
 */
export const SCHEMA_VERSION = 1;

export type Severity = 'error' | 'warning' | 'info';

export interface ModuleUsage {
  /** Unescaped module path, e.g. `example.com/Libb`. */
  path: string;
  version: string;
  bytes: number;
}

export interface GoCacheInLayer {
  kind: 'module-cache' | 'build-cache';
  /** Absolute path of the cache root inside the image, e.g. `/go/pkg/mod`. */
  root: string;
  bytes: number;
  files: number;
  /** Module caches only; empty for build caches. */
  modules: ModuleUsage[];
}

export interface LayerReport {
  index: number;
  diffId: string;
  createdBy: string;
  sizeBytes: number;
  goCaches: GoCacheInLayer[];
  /** Bytes of Go cache from lower layers that this layer deletes (whiteouts, opaque dirs). */
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
  kind: FindingKind;
  severity: Severity;
  /** Layer the finding points at; -1 when it concerns the image config. */
  layerIndex: number;
  message: string;
  /** `path@version` strings. */
  modules?: string[];
  /** `NAME=value` strings. */
  env?: string[];
}

export interface AnalysisResult {
  schemaVersion: number;
  image: { ref: string; id: string; sizeBytes: number };
  layers: LayerReport[];
  findings: ImageFinding[];
  summary: {
    /** The final image's merged filesystem holds Go cache content. */
    polluted: boolean;
    /** Go module cache bytes visible in the final filesystem. */
    moduleCacheBytes: number;
    /** Go build cache bytes visible in the final filesystem. */
    buildCacheBytes: number;
    /** Go cache bytes shipped in layers but deleted or shadowed by later ones: they cost, nobody sees them. */
    wastedGoCacheBytes: number;
  };
}

/** Progress of a running analysis, reported by the core through a callback. */
export interface AnalysisProgress {
  bytesRead: number;
  /** 0 when unknown. */
  bytesTotal: number;
  /** diffID (or blob digest) of the layer being read, when known. */
  layer?: string;
}

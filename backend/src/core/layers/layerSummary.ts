import type { ModuleUsage } from '../analysisTypes.js';
import type { GoSumLine } from '../gocache/goSum.js';

/**
 * Bumped whenever the walker's output changes meaning; stored summaries with another version are
 * ignored and their layers read again.
 */
export const LAYER_SUMMARY_VERSION = 2;

/**
 * A piece of a Go cache that later layers can delete as a whole: a file (`isFile` 1), an extracted
 * module tree, a build cache shard, or the files directly inside a crowded directory. `rel` is
 * relative to the cache root ('' = the root itself).
 */
export type CacheUnit = [rel: string, bytes: number, files: number, isFile?: 1];

export interface LayerCache {
  kind: 'module-cache' | 'build-cache';
  /** Absolute path inside the image. */
  root: string;
  bytes: number;
  files: number;
  modules: ModuleUsage[];
  units: CacheUnit[];
  /** `path@version` -> `h1:` hash from the cached `.ziphash` (module caches only). */
  zipHashes: Record<string, string>;
}

export interface LayerGoSum {
  /** Absolute path inside the image. */
  path: string;
  lines: GoSumLine[];
}

/** What one layer holds, independent of every other layer: stored per diffID and reused. */
export interface LayerSummary {
  version: number;
  /** Sum of regular file sizes in the layer. */
  sizeBytes: number;
  entries: number;
  caches: LayerCache[];
  goSums: LayerGoSum[];
  /** Absolute paths this layer deletes from lower layers (`.wh.NAME`). */
  whiteouts: string[];
  /** Absolute directories whose lower content this layer hides (`.wh..wh..opq`). */
  opaques: string[];
}

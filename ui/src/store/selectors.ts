import type { BuildCacheListing, BuildCacheRecord, ImageSummary } from '../api/types';
import { goCacheBytes } from '../lib/images';

export interface OverviewStats {
  images: number;
  analysed: number;
  polluted: number;
  moduleCacheInImages: number;
  buildCacheInImages: number;
  wastedInImages: number;
  moduleCacheMounts: number;
  buildCacheMounts: number;
  /** Go cache mount bytes not in use: what "Prune Go caches" can free now. */
  reclaimableMounts: number;
  /** Go cache bytes shipped in images: what fixing the Dockerfiles frees. */
  reclaimableImages: number;
}

export function isGoCacheRecord(r: BuildCacheRecord): boolean {
  return r.category === 'go-module-cache' || r.category === 'go-build-cache';
}

function sumRecords(records: BuildCacheRecord[], pick: (r: BuildCacheRecord) => boolean): number {
  return records.filter(pick).reduce((a, r) => a + r.size, 0);
}

export function overviewStats(
  images: ImageSummary[] | undefined,
  cache: BuildCacheListing | undefined,
): OverviewStats {
  const list = images ?? [];
  const analysed = list.filter((i) => i.lastAnalysis);
  const sum = (f: (s: NonNullable<ImageSummary['lastAnalysis']>['summary']) => number) =>
    analysed.reduce((a, i) => a + f(i.lastAnalysis!.summary), 0);
  const records = cache?.records ?? [];
  const moduleCacheMounts = sumRecords(records, (r) => r.category === 'go-module-cache');
  const buildCacheMounts = sumRecords(records, (r) => r.category === 'go-build-cache');
  return {
    images: list.length,
    analysed: analysed.length,
    polluted: analysed.filter((i) => i.lastAnalysis!.summary.polluted).length,
    moduleCacheInImages: sum((s) => s.moduleCacheBytes),
    buildCacheInImages: sum((s) => s.buildCacheBytes),
    wastedInImages: sum((s) => s.wastedGoCacheBytes),
    moduleCacheMounts,
    buildCacheMounts,
    reclaimableMounts: sumRecords(records, (r) => isGoCacheRecord(r) && !r.inUse),
    reclaimableImages: sum(goCacheBytes),
  };
}

/** Images with the most Go cache bytes, worst first; only those that carry any. */
export function worstImages(images: ImageSummary[] | undefined, limit = 5): ImageSummary[] {
  return (images ?? [])
    .filter((i) => i.lastAnalysis && goCacheBytes(i.lastAnalysis.summary) > 0)
    .sort((a, b) => goCacheBytes(b.lastAnalysis!.summary) - goCacheBytes(a.lastAnalysis!.summary))
    .slice(0, limit);
}

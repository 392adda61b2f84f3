/** Thin hooks: each loads its server data once when a view needs it and returns the store's view of it. */
import { useEffect } from 'react';
import type { AnalysisJob, StoredAnalysis } from '../api/types';
import { isActive } from '../store/analyses';
import { useLens } from '../store/context';
import { findImage } from '../lib/images';

export function useHealth() {
  const health = useLens((s) => s.health);
  const load = useLens((s) => s.loadHealth);
  useEffect(() => {
    if (health.status === 'idle') void load();
  }, [health.status, load]);
  return { health, reload: load };
}

/**
 * `fresh`: load again when the view opens (the engine changes behind the page's back), showing the
 * previous data meanwhile; otherwise only load what was never loaded.
 */
export function useImages(opts: { fresh?: boolean } = {}) {
  const images = useLens((s) => s.images);
  const load = useLens((s) => s.loadImages);
  const fresh = opts.fresh ?? false;
  useEffect(() => {
    if (fresh) void load();
  }, [fresh, load]);
  useEffect(() => {
    if (!fresh && images.status === 'idle') void load();
  }, [fresh, images.status, load]);
  return { images, reload: load };
}

export function useBuildCache(opts: { fresh?: boolean } = {}) {
  const buildCache = useLens((s) => s.buildCache);
  const load = useLens((s) => s.loadBuildCache);
  const fresh = opts.fresh ?? false;
  useEffect(() => {
    if (fresh) void load();
  }, [fresh, load]);
  useEffect(() => {
    if (!fresh && buildCache.status === 'idle') void load();
  }, [fresh, buildCache.status, load]);
  return { buildCache, reload: load };
}

/** Everything the detail view shows for one image: summary, running job, newest result, build history. */
export function useImageDetail(imageId: string) {
  const { images, reload: reloadImages } = useImages();
  const image = findImage(images.data, imageId);
  const job: AnalysisJob | undefined = useLens((s) => s.jobs[s.imageJobs[imageId] ?? '']);
  const latest = useLens((s) => s.latest[imageId]);
  const history = useLens((s) => s.histories[imageId]);
  const startError = useLens((s) => s.startErrors[imageId]);
  const loadLatest = useLens((s) => s.loadLatest);
  const loadHistory = useLens((s) => s.loadHistory);

  useEffect(() => {
    if (!latest) void loadLatest(imageId);
  }, [imageId, latest, loadLatest]);
  useEffect(() => {
    if (!history) void loadHistory(imageId);
  }, [imageId, history, loadHistory]);

  const running = job !== undefined && isActive(job.status);
  const stored: StoredAnalysis | null | undefined = latest?.data;
  return {
    images,
    image,
    job,
    running,
    latest,
    result: stored?.result,
    analyzedAt: stored?.analyzedAt,
    history,
    startError,
    reload: () => {
      void reloadImages();
      void loadLatest(imageId);
      void loadHistory(imageId);
    },
  };
}

/** The build list, kept current (live events or polling) while the calling view is open. */
export function useBuilds() {
  const builds = useLens((s) => s.builds);
  const feed = useLens((s) => s.buildsFeed);
  const load = useLens((s) => s.loadBuilds);
  const watch = useLens((s) => s.watchBuilds);
  useEffect(() => watch(), [watch]);
  return { builds, feed, reload: load };
}

/** One build's detail, loaded once; `live` also follows the build list so a running build updates. */
export function useBuildDetail(ref: string, opts: { live?: boolean } = {}) {
  const detail = useLens((s) => s.buildDetails[ref]);
  const summary = useLens((s) => s.builds.data?.find((b) => b.ref === ref));
  const load = useLens((s) => s.loadBuild);
  const watch = useLens((s) => s.watchBuilds);
  const live = opts.live ?? false;
  useEffect(() => {
    if (!detail) void load(ref);
  }, [ref, detail, load]);
  useEffect(() => (live ? watch() : undefined), [live, watch]);
  return { detail, summary, reload: () => load(ref) };
}

/** The build that produced an image (null when no build record matches it). */
export function useImageBuild(imageId: string) {
  const build = useLens((s) => s.imageBuilds[imageId]);
  const load = useLens((s) => s.loadImageBuild);
  useEffect(() => {
    if (!build) void load(imageId);
  }, [imageId, build, load]);
  return { build, reload: () => load(imageId) };
}

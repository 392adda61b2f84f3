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

export function useImages() {
  const images = useLens((s) => s.images);
  const load = useLens((s) => s.loadImages);
  useEffect(() => {
    if (images.status === 'idle') void load();
  }, [images.status, load]);
  return { images, reload: load };
}

export function useBuildCache() {
  const buildCache = useLens((s) => s.buildCache);
  const load = useLens((s) => s.loadBuildCache);
  useEffect(() => {
    if (buildCache.status === 'idle') void load();
  }, [buildCache.status, load]);
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

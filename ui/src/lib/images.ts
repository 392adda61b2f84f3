import type { ImageSummary } from '../api/types';

/** `sha256:0123456789ab…` -> `0123456789ab`. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** The name a user knows an image by: its first tag, else its short id. */
export function imageLabel(image: Pick<ImageSummary, 'id' | 'tags'>): string {
  return image.tags[0] ?? shortId(image.id);
}

/** Splits `repo/name:tag` (registry ports and digests included) into name and tag. */
export function splitTag(tag: string): { name: string; tag: string } {
  const at = tag.indexOf('@');
  if (at >= 0) return { name: tag.slice(0, at), tag: tag.slice(at + 1) };
  const colon = tag.lastIndexOf(':');
  if (colon > tag.lastIndexOf('/')) return { name: tag.slice(0, colon), tag: tag.slice(colon + 1) };
  return { name: tag, tag: 'latest' };
}

/** Finds an image by id, short id or any of its tags (a job names its image either way). */
export function findImage(
  images: readonly ImageSummary[] | undefined,
  key: string,
): ImageSummary | undefined {
  if (!images || !key) return undefined;
  const bare = key.replace(/^sha256:/, '');
  const withLatest = key.includes(':') ? key : `${key}:latest`;
  return (
    images.find((i) => i.id === key || i.id.replace(/^sha256:/, '') === bare) ??
    images.find((i) => i.tags.includes(key) || i.tags.includes(withLatest)) ??
    (bare.length >= 12 ? images.find((i) => i.id.replace(/^sha256:/, '').startsWith(bare)) : undefined)
  );
}

/** Go cache bytes an analysis found in an image (module + build cache still shipped + wasted by deletes). */
export function goCacheBytes(summary: {
  moduleCacheBytes: number;
  buildCacheBytes: number;
  wastedGoCacheBytes: number;
}): number {
  return summary.moduleCacheBytes + summary.buildCacheBytes + summary.wastedGoCacheBytes;
}

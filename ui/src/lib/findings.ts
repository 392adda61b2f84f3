import type { ImageFinding } from '../api/types';

export interface FindingText {
  title: string;
  /** What it means and why it matters, in plain words. */
  explanation: string;
  /** What to do about it. */
  remedy: string;
  /** Whether the Dockerfile doctor can propose the fix. */
  doctor: boolean;
}

const TEXT: Record<string, FindingText> = {
  'module-cache-in-image': {
    title: 'Go module cache ships in the image',
    explanation:
      'The final image still holds downloaded Go modules (GOMODCACHE). They are only needed to compile, yet every pull and every container start carries them.',
    remedy:
      'Mount the module cache with --mount=type=cache in the RUN steps that download and build, or build in one stage and copy only the binary into a small runtime stage.',
    doctor: true,
  },
  'build-cache-in-image': {
    title: 'Go build cache ships in the image',
    explanation:
      'Compiled package objects left by go build (GOCACHE) are in the final image. They speed up the next compile on the same machine and are dead weight in an image.',
    remedy: 'Mount the build cache with --mount=type=cache, or use a multi-stage build.',
    doctor: true,
  },
  'cache-deleted-later': {
    title: 'Cache deleted in a later layer: the bytes still ship',
    explanation:
      'A later step removes the Go cache, but layers only ever add: the layer that wrote the cache still carries every byte, and the delete adds a layer of its own.',
    remedy:
      'Clean up in the same RUN that filled the cache, or better, never write it into a layer: use cache mounts.',
    doctor: true,
  },
  'foreign-modules': {
    title: 'Modules that no go.sum in the image asks for',
    explanation:
      'The module cache holds modules that no go.sum in this image refers to: a cache reused across unrelated builds or inherited from a base image. They cost space and blur what the program was built from.',
    remedy:
      'Start from a clean base and keep module caches out of images (cache mounts, multi-stage builds).',
    doctor: false,
  },
  'checksum-mismatch': {
    title: 'A cached module disagrees with go.sum',
    explanation:
      'A module\'s .ziphash in the cache does not match the h1: hash in go.sum. Go trusts the cache, so the next go build in this image, or in a build that reuses this cache, fails with "checksum mismatch".',
    remedy: 'Prune the Go cache mounts (Build cache tab) and rebuild from a clean module cache.',
    doctor: false,
  },
  'insecure-go-env': {
    title: 'Checksum verification is weakened',
    explanation:
      "The image sets GOSUMDB=off, GOINSECURE, GOFLAGS=-insecure or a GONOSUMDB/GOPRIVATE pattern wider than needed: modules are then accepted without checking Go's checksum database.",
    remedy: 'Remove these settings, or scope GOPRIVATE/GONOSUMDB to your private module prefix only.',
    doctor: true,
  },
};

export function findingText(finding: Pick<ImageFinding, 'kind' | 'message'>): FindingText {
  return (
    TEXT[finding.kind] ?? {
      title: finding.message,
      explanation: '',
      remedy: '',
      doctor: false,
    }
  );
}

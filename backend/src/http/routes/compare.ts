import type { FastifyInstance } from 'fastify';
import type { AnalysisResult } from '../../core/analysisTypes.js';
import { LensError } from '../../core/errors.js';
import { assertImageRef, inspectImage, isImageId, normalizeRef } from '../../docker/images.js';
import type { ServerContext } from '../context.js';
import { compareSchema, errorSchema } from '../schemas.js';

export interface CompareCategories {
  sharedBaseLayers: number;
  goModuleCache: number;
  goBuildCache: number;
  wastedByLaterDeletes: number;
  rest: number;
}

export interface CompareEntry {
  image: string;
  imageId: string;
  ref: string;
  analyzedAt: string;
  totalBytes: number;
  categories: CompareCategories;
}

/**
 * Splits each image's layer bytes into categories that add up to its total:
 * - goModuleCache / goBuildCache: Go cache bytes the layers hold (in any layer, shared or not);
 * - wastedByLaterDeletes: the part of those that later layers delete (they still ship), taken out of the
 *   two cache categories in proportion;
 * - sharedBaseLayers: the other bytes of layers (by diffID) that another compared image also has;
 * - rest: everything else.
 */
export function compareAnalyses(
  entries: { image: string; analyzedAt: string; result: AnalysisResult }[],
): CompareEntry[] {
  const owners = new Map<string, Set<number>>();
  entries.forEach((e, i) => {
    for (const l of e.result.layers) {
      if (!owners.has(l.diffId)) owners.set(l.diffId, new Set());
      owners.get(l.diffId)!.add(i);
    }
  });
  return entries.map((e) => {
    const layers = e.result.layers;
    const totalBytes =
      layers.length > 0 ? layers.reduce((n, l) => n + l.sizeBytes, 0) : e.result.image.sizeBytes;
    let shared = 0;
    let mod = 0;
    let build = 0;
    let deleted = 0;
    for (const l of layers) {
      deleted += l.deletedGoCacheBytes;
      let m = 0;
      let b = 0;
      for (const c of l.goCaches) {
        if (c.kind === 'module-cache') m += c.bytes;
        else b += c.bytes;
      }
      if (m + b > l.sizeBytes && m + b > 0) {
        const scale = l.sizeBytes / (m + b);
        m = Math.floor(m * scale);
        b = Math.floor(b * scale);
      }
      mod += m;
      build += b;
      if ((owners.get(l.diffId)?.size ?? 0) > 1) shared += l.sizeBytes - m - b;
    }
    const wasted = Math.min(deleted, mod + build);
    if (wasted > 0) {
      const fromMod = Math.round((wasted * mod) / (mod + build));
      mod -= fromMod;
      build -= wasted - fromMod;
    }
    const rest = Math.max(0, totalBytes - shared - mod - build - wasted);
    return {
      image: e.image,
      imageId: e.result.image.id,
      ref: e.result.image.ref,
      analyzedAt: e.analyzedAt,
      totalBytes,
      categories: {
        sharedBaseLayers: shared,
        goModuleCache: mod,
        goBuildCache: build,
        wastedByLaterDeletes: wasted,
        rest,
      },
    };
  });
}

const MAX_IMAGES = 20;

export function registerCompareRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: { images: string } }>(
    '/api/compare',
    {
      schema: {
        operationId: 'compareImages',
        summary: 'Bytes by category per image, from the latest stored analyses',
        tags: ['analyses'],
        querystring: {
          type: 'object',
          properties: {
            images: {
              type: 'string',
              maxLength: 8192,
              description: 'comma-separated image ids or references',
            },
          },
          required: ['images'],
        },
        response: { 200: compareSchema, default: errorSchema },
      },
    },
    async (request) => {
      const images = request.query.images
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (images.length === 0) throw new LensError('bad-input', 'images must name at least one image');
      if (images.length > MAX_IMAGES)
        throw new LensError('bad-input', `at most ${MAX_IMAGES} images at once`);
      const entries = [];
      for (const image of images) {
        assertImageRef(image);
        const stored = await latestStored(ctx, image);
        if (!stored) throw new LensError('not-found', `no stored analysis of "${image}"; analyse it first`);
        entries.push({ image, ...stored });
      }
      return { images: compareAnalyses(entries) };
    },
  );
}

/** The latest stored analysis of a reference or id; for a local image, of its current id first. */
export async function latestStored(ctx: ServerContext, image: string) {
  try {
    const { id } = await inspectImage(ctx.engine, image);
    const byId = ctx.store.latestAnalysis(id);
    if (byId) return byId;
  } catch (e) {
    // Stored results stay readable when the image is gone or the engine is down.
    if (!(e instanceof LensError && (e.code === 'not-found' || e.code === 'engine-unavailable'))) throw e;
  }
  if (isImageId(image))
    return ctx.store.latestAnalysis(image.startsWith('sha256:') ? image : `sha256:${image}`);
  return ctx.store.latestAnalysis(normalizeRef(image)) ?? ctx.store.latestAnalysis(image);
}

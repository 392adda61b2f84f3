import type { FastifyInstance } from 'fastify';
import { LensError } from '../../core/errors.js';
import { assertImageRef, imageHistory, listImages } from '../../docker/images.js';
import type { ServerContext } from '../context.js';
import { errorSchema, historySchema, imageListSchema, storedAnalysisSchema } from '../schemas.js';
import { latestStored } from './compare.js';

export function registerImageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/images',
    {
      schema: {
        operationId: 'listImages',
        summary: 'Every local image with tags, size, created, and its latest Go cache summary if analysed',
        tags: ['images'],
        response: { 200: imageListSchema, default: errorSchema },
      },
    },
    async () => {
      const images = await listImages(ctx.engine);
      return {
        images: images.map((img) => {
          const last = ctx.store.latestAnalysis(img.id);
          if (!last) return img;
          return {
            ...img,
            lastAnalysis: {
              analyzedAt: last.analyzedAt,
              summary: last.result.summary,
              findings: last.result.findings.length,
              sizeBytes: last.result.image.sizeBytes,
            },
          };
        }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/images/:id/history',
    {
      schema: {
        operationId: 'getImageHistory',
        summary: 'Build history of an image, oldest first, with empty layers marked',
        description: '`id` is an image id or a reference; encode `/` as %2F.',
        tags: ['images'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 512 } }, required: ['id'] },
        response: { 200: historySchema, default: errorSchema },
      },
    },
    async (request) => imageHistory(ctx.engine, assertImageRef(request.params.id, 'image id')),
  );

  app.get<{ Params: { id: string } }>(
    '/api/images/:id/analysis',
    {
      schema: {
        operationId: 'getStoredAnalysis',
        summary: 'The newest stored full analysis of an image (by id, or by reference across rebuilds)',
        tags: ['images'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 512 } }, required: ['id'] },
        response: { 200: storedAnalysisSchema, default: errorSchema },
      },
    },
    async (request) => {
      const image = assertImageRef(request.params.id, 'image id');
      const stored = await latestStored(ctx, image);
      if (!stored) throw new LensError('not-found', `no stored analysis of "${image}"`);
      return { analyzedAt: stored.analyzedAt, result: stored.result };
    },
  );
}

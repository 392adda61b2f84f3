import type { FastifyInstance } from 'fastify';
import { engineHealth } from '../../docker/images.js';
import type { ServerContext } from '../context.js';
import { errorSchema, healthSchema } from '../schemas.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/health',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Engine version, API version, image store and whether the engine answers',
        tags: ['engine'],
        response: { 200: healthSchema, default: errorSchema },
      },
    },
    async () => ({
      engine: await engineHealth(ctx.engine, AbortSignal.timeout(10_000)),
      server: { mode: ctx.mode, version: ctx.version, jobs: ctx.jobs.stats() },
    }),
  );
}

import type { FastifyInstance } from 'fastify';
import { LensError } from '../../core/errors.js';
import { assertImageRef, isImageId, listImages, normalizeRef } from '../../docker/images.js';
import type { JobView } from '../../jobs/analysisJobs.js';
import type { AnalysisStore, ServerContext } from '../context.js';
import { streamJobEvents } from '../sse.js';
import { analysisListSchema, errorSchema, jobRefSchema, jobSchema } from '../schemas.js';

const JOB_ID = /^[A-Za-z0-9-]{1,64}$/;

function assertJobId(id: string): string {
  if (!JOB_ID.test(id)) throw new LensError('bad-input', `"${id.slice(0, 80)}" is not an analysis job id`);
  return id;
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 256, description: 'job id from POST /api/analyses' } },
  required: ['id'],
} as const;

function jobRef(job: JobView, joined: boolean) {
  return { id: job.id, image: job.image, imageId: job.imageId, status: job.status, joined };
}

/** Stored analyses of an image, newest first: by reference (so rebuilt tags show a trend) and by id. */
export function storedAnalyses(store: AnalysisStore, image: string | undefined, limit: number) {
  let rows: ReturnType<AnalysisStore['listAnalyses']>;
  if (image === undefined) rows = store.listAnalyses({ limit });
  else if (isImageId(image)) {
    rows = store.listAnalyses({ imageId: image.startsWith('sha256:') ? image : `sha256:${image}`, limit });
  } else {
    const refs = [...new Set([normalizeRef(image), image])];
    const seen = new Set<string>();
    rows = refs
      .flatMap((ref) => store.listAnalyses({ ref, limit }))
      .filter((r) => {
        const key = `${r.imageId}\n${r.ref}\n${r.analyzedAt}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }
  return rows
    .sort((a, b) => b.analyzedAt.localeCompare(a.analyzedAt))
    .slice(0, limit)
    .map((r) => ({
      imageId: r.imageId,
      ref: r.ref,
      analyzedAt: r.analyzedAt,
      sizeBytes: r.result.image.sizeBytes,
      summary: r.result.summary,
      findings: r.result.findings.length,
      findingKinds: [...new Set(r.result.findings.map((f) => f.kind))],
    }));
}

export function registerAnalysisRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { image: string; noCache?: boolean } }>(
    '/api/analyses',
    {
      schema: {
        operationId: 'startAnalysis',
        summary: 'Start an analysis of a local image, or join the one already running for it',
        tags: ['analyses'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            image: { type: 'string', maxLength: 512, description: 'image id or reference' },
            noCache: { type: 'boolean', description: 'ignore a stored result for this image id' },
          },
          required: ['image'],
        },
        response: { 202: jobRefSchema, default: errorSchema },
      },
    },
    async (request, reply) => {
      const image = assertImageRef(request.body.image);
      const { job, joined } = await ctx.jobs.start(image, { noCache: request.body.noCache ?? false });
      return reply.code(202).send(jobRef(job, joined));
    },
  );

  app.post<{ Body: { noCache?: boolean } | undefined }>(
    '/api/analyses/all',
    {
      schema: {
        operationId: 'analyzeAll',
        summary: 'Queue an analysis of every local image',
        tags: ['analyses'],
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { noCache: { type: 'boolean' } },
        },
        response: {
          202: {
            type: 'object',
            properties: { jobs: { type: 'array', items: jobRefSchema } },
            required: ['jobs'],
          },
          default: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const images = await listImages(ctx.engine);
      const jobs = [];
      for (const img of images) {
        try {
          const { job, joined } = await ctx.jobs.start(img.tags[0] ?? img.id, {
            noCache: request.body?.noCache ?? false,
          });
          jobs.push(jobRef(job, joined));
        } catch (e) {
          // An image removed since the listing is simply not analysed.
          if (!(e instanceof LensError && e.code === 'not-found')) throw e;
        }
      }
      return reply.code(202).send({ jobs });
    },
  );

  app.get<{ Querystring: { image?: string; limit?: number } }>(
    '/api/analyses',
    {
      schema: {
        operationId: 'listAnalyses',
        summary: 'Stored analyses with their dates, newest first (for size trends)',
        description: '`image`: a reference (all analyses of that tag, across rebuilds) or an image id.',
        tags: ['analyses'],
        querystring: {
          type: 'object',
          properties: {
            image: { type: 'string', maxLength: 512 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: analysisListSchema, default: errorSchema },
      },
    },
    async (request) => {
      const { image, limit } = request.query;
      if (image !== undefined) assertImageRef(image);
      return { analyses: storedAnalyses(ctx.store, image, limit ?? 100) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/analyses/:id',
    {
      schema: {
        operationId: 'getAnalysis',
        summary: 'Status, progress and (when done) the result of an analysis job',
        tags: ['analyses'],
        params: idParams,
        response: { 200: jobSchema, default: errorSchema },
      },
    },
    async (request) => {
      const id = assertJobId(request.params.id);
      const job = ctx.jobs.get(id);
      if (!job) throw new LensError('not-found', `no analysis job ${id}`);
      return job;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/analyses/:id/events',
    {
      schema: {
        operationId: 'streamAnalysis',
        summary: 'Server-sent events: `progress` while running, then `done`, `failed` or `cancelled`',
        description:
          'Each event carries the job (as GET /api/analyses/{id}); only the final one has the result.',
        tags: ['analyses'],
        params: idParams,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const id = assertJobId(request.params.id);
      if (!ctx.jobs.get(id)) throw new LensError('not-found', `no analysis job ${id}`);
      streamJobEvents(request, reply, ctx.jobs, id);
      return reply;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/analyses/:id',
    {
      schema: {
        operationId: 'cancelAnalysis',
        summary: 'Cancel a queued or running analysis job',
        tags: ['analyses'],
        params: idParams,
        response: { 200: jobSchema, default: errorSchema },
      },
    },
    async (request) => ctx.jobs.cancel(assertJobId(request.params.id)),
  );
}

import type { FastifyInstance } from 'fastify';
import { LensError } from '../../core/errors.js';
import { assertImageRef } from '../../docker/images.js';
import type { Doctor, ServerContext } from '../context.js';
import { errorSchema, fixBodySchema, fixResultSchema, lintBodySchema, lintResultSchema } from '../schemas.js';

function doctorOf(ctx: ServerContext): Doctor {
  if (!ctx.doctor) throw new LensError('unsupported', 'the Dockerfile doctor is not available in this build');
  return ctx.doctor;
}

export function registerDockerfileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { content: string; dockerignore?: string | null } }>(
    '/api/dockerfile/lint',
    {
      schema: {
        operationId: 'lintDockerfile',
        summary: 'Go cache findings for a Dockerfile',
        description: '`dockerignore`: the .dockerignore text; null when the context has none; omitted when unknown.',
        tags: ['dockerfile'],
        body: lintBodySchema,
        response: { 200: lintResultSchema, default: errorSchema },
      },
    },
    async (request) => {
      const { content, dockerignore } = request.body;
      const { findings } = doctorOf(ctx).lintDockerfile(content, dockerignore === undefined ? {} : { dockerignore });
      return { findings };
    },
  );

  app.post<{ Body: { content: string; runtimeImage?: string; dockerignore?: string | null } }>(
    '/api/dockerfile/fix',
    {
      schema: {
        operationId: 'fixDockerfile',
        summary: 'The fixed Dockerfile, a unified diff against the input, and the findings it fixes',
        tags: ['dockerfile'],
        body: fixBodySchema,
        response: { 200: fixResultSchema, default: errorSchema },
      },
    },
    async (request) => {
      const { content, runtimeImage, dockerignore } = request.body;
      const opts: { runtimeImage?: string; dockerignore?: string | null } = {};
      if (runtimeImage !== undefined) opts.runtimeImage = assertImageRef(runtimeImage, 'runtimeImage');
      if (dockerignore !== undefined) opts.dockerignore = dockerignore;
      const { fixed, diff, findings } = doctorOf(ctx).fixDockerfile(content, opts);
      return { fixed, diff, findings };
    },
  );
}

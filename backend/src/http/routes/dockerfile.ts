import type { FastifyInstance } from 'fastify';
import { LensError } from '../../core/errors.js';
import { assertImageRef, isImageRef, localImageEnvs } from '../../docker/images.js';
import type { Engine } from '../../docker/engine.js';
import type { Doctor, DoctorOptions, ServerContext } from '../context.js';
import { errorSchema, fixBodySchema, fixResultSchema, lintBodySchema, lintResultSchema } from '../schemas.js';

function doctorOf(ctx: ServerContext): Doctor {
  if (!ctx.doctor) throw new LensError('unsupported', 'the Dockerfile doctor is not available in this build');
  return ctx.doctor;
}

const MAX_BASE_IMAGES = 16;

/**
 * The env of the local images the Dockerfile builds FROM (for GOLANG_VERSION pinning and base image
 * facts). Best effort: unknown images, odd names, a Dockerfile that does not parse or an unreachable
 * engine just leave an image without env.
 */
async function baseImageEnvs(
  engine: Engine,
  doctor: Doctor,
  content: string,
): Promise<Map<string, string[]>> {
  let names: string[] = [];
  try {
    names = (doctor.baseImages?.(content) ?? []).filter(isImageRef).slice(0, MAX_BASE_IMAGES);
  } catch {
    return new Map();
  }
  return localImageEnvs(engine, names);
}

async function doctorOptions(
  ctx: ServerContext,
  content: string,
  dockerignore: string | null | undefined,
): Promise<DoctorOptions> {
  const envs = await baseImageEnvs(ctx.engine, doctorOf(ctx), content);
  const opts: DoctorOptions = { localImageEnv: (image) => envs.get(image) };
  if (dockerignore !== undefined) opts.dockerignore = dockerignore;
  return opts;
}

export function registerDockerfileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { content: string; dockerignore?: string | null } }>(
    '/api/dockerfile/lint',
    {
      schema: {
        operationId: 'lintDockerfile',
        summary: 'Go cache findings for a Dockerfile',
        description:
          '`dockerignore`: the .dockerignore text; null when the context has none; omitted when unknown. ' +
          'Local base images are inspected for their Go version.',
        tags: ['dockerfile'],
        body: lintBodySchema,
        response: { 200: lintResultSchema, default: errorSchema },
      },
    },
    async (request) => {
      const { content, dockerignore } = request.body;
      const opts = await doctorOptions(ctx, content, dockerignore);
      return { findings: doctorOf(ctx).lintDockerfile(content, opts).findings };
    },
  );

  app.post<{ Body: { content: string; runtimeImage?: string; dockerignore?: string | null } }>(
    '/api/dockerfile/fix',
    {
      schema: {
        operationId: 'fixDockerfile',
        summary: 'The fixed Dockerfile, a unified diff against the input, and the findings it fixes',
        description:
          '`findings` are those of the input, `remaining` those of the fixed file; `dockerignore` is a ' +
          'proposed .dockerignore when the input had none (`dockerignore: null`).',
        tags: ['dockerfile'],
        body: fixBodySchema,
        response: { 200: fixResultSchema, default: errorSchema },
      },
    },
    async (request) => {
      const { content, runtimeImage, dockerignore } = request.body;
      const opts = await doctorOptions(ctx, content, dockerignore);
      if (runtimeImage !== undefined) opts.runtimeImage = assertImageRef(runtimeImage, 'runtimeImage');
      const out = doctorOf(ctx).fixDockerfile(content, opts);
      return {
        fixed: out.fixed,
        diff: out.diff,
        findings: out.findings,
        remaining: out.remaining ?? [],
        ...(out.dockerignore !== undefined ? { dockerignore: out.dockerignore } : {}),
      };
    },
  );
}

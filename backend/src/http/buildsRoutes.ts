import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BuildWatcher,
  assertBuildRef,
  getBuild,
  getBuildOfImage,
  listBuilds,
  type BuildEvent,
  type BuildWatcherState,
  type DockerfileDoctor,
} from '../docker/buildHistory.js';
import type { Engine } from '../docker/engine.js';
import { assertImageRef } from '../docker/images.js';
import { errorSchema } from './schemas.js';

/**
 * BuildKit build history: the list of builds, one build with its Dockerfile, error and doctor report,
 * the build that produced an image, and a live feed of builds (server-sent events).
 */

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

const REF_SCHEMA = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  description: 'The BuildKit build reference.',
} as const;

const buildSummaryProperties = {
  ref: str,
  name: { type: 'string', description: 'The image tag it produced, else the Dockerfile name (and target).' },
  dockerfileName: str,
  target: nullableStr,
  status: { type: 'string', enum: ['running', 'completed', 'failed', 'canceled'] },
  startedAt: nullableStr,
  completedAt: nullableStr,
  durationMs: nullableInt,
  steps: {
    type: 'object',
    properties: { total: int, cached: int, completed: int },
    required: ['total', 'cached', 'completed'],
  },
  image: {
    type: ['object', 'null'],
    description: 'The local image the build produced, when one matches.',
    properties: { id: str, tags: { type: 'array', items: str } },
    required: ['id', 'tags'],
  },
  errorMessage: nullableStr,
} as const;

const summaryRequired = [
  'ref',
  'name',
  'dockerfileName',
  'target',
  'status',
  'startedAt',
  'completedAt',
  'durationMs',
  'steps',
  'image',
  'errorMessage',
] as const;

export const buildSummarySchema = {
  type: 'object',
  properties: buildSummaryProperties,
  required: summaryRequired,
} as const;

export const buildListSchema = {
  type: 'object',
  properties: { builds: { type: 'array', description: 'Newest first.', items: buildSummarySchema } },
  required: ['builds'],
} as const;

const doctorFinding = {
  type: 'object',
  additionalProperties: true,
  properties: { rule: str, severity: str, line: int, message: str },
} as const;

export const buildDetailSchema = {
  type: 'object',
  properties: {
    ...buildSummaryProperties,
    dockerfile: {
      type: ['object', 'null'],
      description: 'From the provenance attestation, or from the error details of a failed build.',
      properties: {
        filename: str,
        text: str,
        origin: { type: 'string', enum: ['provenance', 'error-details'] },
      },
      required: ['filename', 'text', 'origin'],
    },
    sourceUnavailable: { type: ['string', 'null'], description: 'Why `dockerfile` is null.' },
    error: {
      type: ['object', 'null'],
      properties: {
        message: str,
        code: { type: 'integer', description: 'gRPC status code (1 = canceled)' },
        location: {
          type: ['object', 'null'],
          description: 'The failing instruction in the Dockerfile (1-based lines, inclusive).',
          properties: { filename: str, startLine: int, endLine: int },
          required: ['filename', 'startLine', 'endLine'],
        },
        logExcerpt: { type: ['string', 'null'], description: 'The last lines the failing step printed.' },
      },
      required: ['message', 'code', 'location', 'logExcerpt'],
    },
    goChecksumMismatch: {
      type: ['object', 'null'],
      description:
        "Set when the build failed with Go's `checksum mismatch`. `cacheMountHint` names the Go module cache " +
        'mounts of the failing step and their build cache records: prune them with POST /api/build-cache/prune ' +
        '`{scope: "ids", ids: recordIds}` (dry run first). Null when the step mounts no module cache.',
      properties: {
        module: { type: 'string', description: 'path@version' },
        cacheMountHint: {
          type: ['object', 'null'],
          properties: {
            mounts: {
              type: 'array',
              items: { type: 'object', properties: { target: str, id: str }, required: ['target', 'id'] },
            },
            recordIds: { type: 'array', items: str },
          },
          required: ['mounts', 'recordIds'],
        },
      },
      required: ['module', 'cacheMountHint'],
    },
    doctor: {
      type: ['object', 'null'],
      description: "The Dockerfile doctor run on the build's Dockerfile.",
      properties: {
        findings: { type: 'array', items: doctorFinding },
        fixed: str,
        diff: str,
      },
      required: ['findings', 'fixed', 'diff'],
    },
    doctorError: nullableStr,
  },
  required: [
    ...summaryRequired,
    'dockerfile',
    'sourceUnavailable',
    'error',
    'goChecksumMismatch',
    'doctor',
    'doctorError',
  ],
} as const;

export interface BuildsRoutesOptions {
  engine: Engine;
  /** The Dockerfile doctor run on each build's Dockerfile; without it `doctor` is null. */
  doctor?: DockerfileDoctor;
  /** Keep-alive comment interval of the event stream. */
  keepaliveMs?: number;
}

/** Aborted when the client goes away before the answer is sent, so engine calls stop with it. */
function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}

export async function buildsRoutes(app: FastifyInstance, opts: BuildsRoutesOptions): Promise<void> {
  const { engine, doctor } = opts;
  const watcher = new BuildWatcher(engine);
  app.addHook('onClose', async () => watcher.close());

  app.get<{ Querystring: { limit?: number } }>(
    '/api/builds',
    {
      schema: {
        operationId: 'listBuilds',
        summary: 'BuildKit builds, newest first, with status, duration, steps and the image each produced',
        tags: ['builds'],
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 10000, description: 'at most this many builds' },
          },
        },
        response: { 200: buildListSchema, default: errorSchema },
      },
    },
    async (request, reply) => ({
      builds: await listBuilds(engine, { limit: request.query.limit, signal: clientGone(reply) }),
    }),
  );

  app.get(
    '/api/builds/events',
    {
      schema: {
        operationId: 'streamBuildEvents',
        summary: 'Live feed of builds (server-sent events)',
        description:
          '`state` events (`{state: "connecting" | "live" | "retrying", error?}`): builds finishing after a ' +
          '`live` state are reported. `build` events: `{type: "started" | "completed" | "deleted", ref, build?}` ' +
          'with the build summary. A comment line every 15 s keeps the stream open.',
        tags: ['builds'],
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => streamBuildEvents(request, reply, watcher, opts.keepaliveMs ?? 15_000),
  );

  app.get<{ Params: { ref: string } }>(
    '/api/builds/:ref',
    {
      schema: {
        operationId: 'getBuild',
        summary:
          'One build with its Dockerfile, error (failing lines, log excerpt) and Dockerfile doctor report',
        description:
          'A record whose provenance or log BuildKit no longer holds is answered without them; ' +
          '`sourceUnavailable` says why.',
        tags: ['builds'],
        params: { type: 'object', properties: { ref: REF_SCHEMA }, required: ['ref'] },
        response: { 200: buildDetailSchema, default: errorSchema },
      },
    },
    async (request, reply) =>
      getBuild(engine, assertBuildRef(request.params.ref), { doctor, signal: clientGone(reply) }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/images/:id/build',
    {
      schema: {
        operationId: 'getImageBuild',
        summary: 'The build that produced an image (404 when no build record matches it)',
        description: '`id` is an image id or a reference; encode `/` as %2F.',
        tags: ['builds', 'images'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 512 } }, required: ['id'] },
        response: { 200: buildDetailSchema, default: errorSchema },
      },
    },
    async (request, reply) =>
      getBuildOfImage(engine, assertImageRef(request.params.id, 'image id'), {
        doctor,
        signal: clientGone(reply),
      }),
  );
}

function streamBuildEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  watcher: BuildWatcher,
  keepaliveMs: number,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  let ended = false;
  const send = (event: string, data: unknown) => {
    if (!ended) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const keepalive = setInterval(() => raw.write(': keepalive\n\n'), keepaliveMs);
  keepalive.unref();
  const unsubscribe = watcher.subscribe(
    (e: BuildEvent) => send('build', e),
    (s: BuildWatcherState) => send('state', s),
  );
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    unsubscribe();
    raw.end();
  };
  request.raw.on('close', end);
  raw.on('close', end);
}

import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LensError } from '../core/errors.js';
import { toolVersion } from '../core/version.js';
import type { Engine } from '../docker/engine.js';
import { engineAnswers, inspectImage, normalizeRef } from '../docker/images.js';
import { AnalysisJobs, type AnalyzeFn } from '../jobs/analysisJobs.js';
import type { AnalysisStore, Doctor, ServerContext } from './context.js';
import { makeErrorHandler, notFoundHandler } from './errors.js';
import { installGuard, newToken } from './guard.js';
import { buildOpenApiDocument, collectRoutes } from './openapi.js';
import { buildsRoutes } from './buildsRoutes.js';
import { registerAnalysisRoutes } from './routes/analyses.js';
import { registerBuildCacheRoutes } from './routes/buildCache.js';
import { registerCompareRoutes } from './routes/compare.js';
import { registerDockerfileRoutes } from './routes/dockerfile.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerImageRoutes } from './routes/images.js';

export const DEFAULT_PORT = 7412;
export const DEFAULT_SOCKET = '/run/guest-services/gocache-lens.sock';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface CreateServerOptions {
  /** extension: unix socket only, no token; standalone: 127.0.0.1, token, the UI's static files. */
  mode: 'extension' | 'standalone';
  engine: Engine;
  store: AnalysisStore;
  /** Analyses one image and stores the result (see jobs/engineAnalyzer.ts for the real one). */
  analyze: AnalyzeFn;
  doctor?: Doctor;
  /** Standalone: the port to listen on (0 = any free one); default 7412. */
  port?: number;
  /** Extension: the socket path; default /run/guest-services/gocache-lens.sock. */
  socketPath?: string;
  /** Standalone: the API token; default a random one per start. */
  token?: string;
  /** Standalone: the UI's built files; null serves the "not built" page. Default: defaultUiDir(). */
  uiDir?: string | null;
  bodyLimit?: number;
  /** Exports running at once; default 2. */
  concurrency?: number;
  logger?: boolean;
}

export interface LensServer {
  app: FastifyInstance;
  jobs: AnalysisJobs;
  mode: 'extension' | 'standalone';
  /** Standalone only. */
  token: string | undefined;
  /** Starts listening; returns the URL to open (standalone, with token) or `unix://PATH`. */
  listen(): Promise<string>;
  /** Cancels running jobs and closes the server (and removes the socket file). */
  close(): Promise<void>;
}

/**
 * The UI's static files: LENS_UI_DIR, else the workspace's `ui/dist` next to this package, else `/ui`
 * (the extension image). Undefined when none holds an index.html.
 */
export function defaultUiDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.LENS_UI_DIR
    ? [env.LENS_UI_DIR]
    : [fileURLToPath(new URL('../../../ui/dist/', import.meta.url)), '/ui'];
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GoCache Lens</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>GoCache Lens</h1>
<p>The user interface is not built. Run <code>npm run build</code> in the repository, or pass
<code>--ui-dir</code>. The API works: see <code>/api/openapi.json</code>.</p>
</body></html>
`;

export async function createServer(opts: CreateServerOptions): Promise<LensServer> {
  const mode = opts.mode;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const token = mode === 'standalone' ? (opts.token ?? newToken()) : undefined;
  const version = toolVersion();
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    // Reject bodies on GET/DELETE rather than ignore them; keep JSON prototype-poisoning protection.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: true,
  });

  const jobs = new AnalysisJobs({
    analyze: opts.analyze,
    concurrency: opts.concurrency ?? 2,
    resolveImage: async (image) => {
      // Analyse a reference under its normalised name (`name` -> `name:latest`) so stored results group by
      // tag; an id (or a short id) is analysed by its full id.
      const info = await inspectImage(opts.engine, image);
      const ref = normalizeRef(image);
      return { id: info.id, ref: info.tags.includes(ref) || /[:@/]/.test(image) ? ref : info.id };
    },
    engineAnswers: () => engineAnswers(opts.engine),
    engineAddress: opts.engine.address,
  });

  const ctx: ServerContext = {
    mode,
    version,
    engine: opts.engine,
    store: opts.store,
    jobs,
    doctor: opts.doctor,
  };

  // The API speaks JSON only: other bodies are 415 rather than strings that fail validation.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(makeErrorHandler(bodyLimit));
  app.setNotFoundHandler(notFoundHandler);

  const boundPort = (): number => {
    const addr = app.server.address();
    if (addr && typeof addr === 'object') return addr.port;
    return opts.port ?? DEFAULT_PORT;
  };
  if (mode === 'standalone') installGuard(app, { token: token!, port: boundPort });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // The page's URL carries the token: never send it on as a referrer.
    reply.header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  const routes = collectRoutes(app);
  registerHealthRoutes(app, ctx);
  registerImageRoutes(app, ctx);
  registerAnalysisRoutes(app, ctx);
  registerBuildCacheRoutes(app, ctx);
  registerDockerfileRoutes(app, ctx);
  registerCompareRoutes(app, ctx);
  // BuildKit build history (its own module); registered on this instance so the guard and OpenAPI see it.
  await buildsRoutes(app, { engine: opts.engine, ...(opts.doctor ? { doctor: opts.doctor } : {}) });

  let openapi: Record<string, unknown> | undefined;
  app.get(
    '/api/openapi.json',
    {
      schema: {
        operationId: 'getOpenApi',
        summary: 'This document',
        tags: ['meta'],
      },
    },
    async () =>
      (openapi ??= buildOpenApiDocument(routes, {
        title: 'GoCache Lens API',
        version,
        description:
          'Go module and build caches in container images and in the BuildKit cache. Errors are ' +
          '`{error: {code, message}}` with a 4xx or 5xx status.',
        bearerAuth: mode === 'standalone',
      })),
  );

  if (mode === 'standalone') {
    const uiDir = opts.uiDir === undefined ? defaultUiDir() : (opts.uiDir ?? undefined);
    if (uiDir && existsSync(join(uiDir, 'index.html'))) {
      await app.register(fastifyStatic, { root: uiDir, prefix: '/', index: 'index.html', wildcard: true });
    } else {
      app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
    }
  }

  await app.ready();

  const socketPath = opts.socketPath ?? DEFAULT_SOCKET;
  let listening = false;
  return {
    app,
    jobs,
    mode,
    token,
    async listen() {
      if (mode === 'extension') {
        await removeStaleSocket(socketPath);
        await app.listen({ path: socketPath }).catch((e: unknown) => {
          throw listenError(e, socketPath);
        });
        listening = true;
        return `unix://${socketPath}`;
      }
      const port = opts.port ?? DEFAULT_PORT;
      await app.listen({ host: '127.0.0.1', port }).catch((e: unknown) => {
        throw listenError(e, `127.0.0.1:${port}`);
      });
      listening = true;
      return `http://127.0.0.1:${boundPort()}/?token=${encodeURIComponent(token!)}`;
    },
    async close() {
      jobs.close();
      await app.close();
      if (mode === 'extension' && listening) {
        try {
          unlinkSync(socketPath);
        } catch {
          // already gone
        }
      }
    },
  };
}

function listenError(e: unknown, where: string): LensError {
  const code = (e as { code?: string }).code;
  if (code === 'EADDRINUSE') return new LensError('conflict', `${where} is already in use`, e);
  if (code === 'EACCES' || code === 'EPERM')
    return new LensError('bad-input', `no permission to listen on ${where}`, e);
  if (code === 'ENOENT')
    return new LensError('bad-input', `cannot create the socket ${where}: no such directory`, e);
  return new LensError('internal', `cannot listen on ${where}: ${(e as Error).message}`, e);
}

/** A socket file left by a dead server is removed; one that a live server answers on is a conflict. */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket = false;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // does not exist
  }
  if (!isSocket) throw new LensError('conflict', `${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new LensError('conflict', `another server is listening on ${path}`);
  unlinkSync(path);
}

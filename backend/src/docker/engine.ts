import Docker from 'dockerode';
import type { IncomingMessage } from 'node:http';
import { LensError } from '../core/errors.js';

/**
 * The engine connection shared by everything that talks to Docker: the image source, the HTTP routes,
 * the build cache and build history clients. Address: explicit `host`, else DOCKER_HOST, else the
 * default socket.
 */
export interface Engine {
  docker: Docker;
  /** Human-readable address, for messages. */
  address: string;
  /** Raw request for the endpoints dockerode mishandles (`/build/prune`, `/system/df` options). */
  request<T = unknown>(opts: EngineRequest): Promise<T>;
  /** Raw request returning the response stream (exports). */
  stream(opts: EngineRequest): Promise<IncomingMessage>;
}

export interface EngineRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Status codes that are not errors, besides 2xx. */
  okStatuses?: number[];
}

export function connectEngine(host?: string): Engine {
  const addr = host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const docker = new Docker(dockerOptions(addr));
  const modem = docker.modem as unknown as ModemLike;

  function dial(opts: EngineRequest, isStream: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // docker-modem appends the query itself to a path ending in `?` (and strips that `?` when there is
      // nothing to append), taking it from `_query` and the JSON body from `_body`.
      const query = definedEntries(opts.query);
      modem.dial(
        {
          path: query ? `${opts.path}?` : opts.path,
          method: opts.method,
          options: query ? { _query: query, _body: opts.body ?? {} } : (opts.body ?? {}),
          isStream,
          abortSignal: opts.signal,
          statusCodes: {
            200: true,
            201: true,
            202: true,
            204: true,
            ...Object.fromEntries((opts.okStatuses ?? []).map((s) => [s, true])),
            304: 'not modified',
            400: 'bad parameter',
            404: 'no such object',
            409: 'conflict',
            500: 'server error',
          },
        },
        (err, data) => (err ? reject(engineError(err, addr)) : resolve(data)),
      );
    });
  }

  return {
    docker,
    address: addr,
    request: <T>(opts: EngineRequest) => dial(opts, false) as Promise<T>,
    stream: (opts: EngineRequest) => dial(opts, true) as Promise<IncomingMessage>,
  };
}

interface ModemLike {
  dial(opts: Record<string, unknown>, cb: (err: unknown, data: unknown) => void): void;
}

function dockerOptions(addr: string): Docker.DockerOptions {
  if (addr.startsWith('unix://')) return { socketPath: addr.slice('unix://'.length) };
  if (addr.startsWith('/')) return { socketPath: addr };
  if (addr.startsWith('npipe://')) return { socketPath: addr.slice('npipe://'.length) };
  const url = new URL(addr.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

function definedEntries(
  q: EngineRequest['query'],
): Record<string, string | number | boolean | string[]> | undefined {
  if (!q) return undefined;
  const out = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number | boolean | string[]
  >;
  return Object.keys(out).length ? out : undefined;
}

/** Maps dockerode/modem errors to LensError with one clear line. */
export function engineError(err: unknown, address: string): LensError {
  if (err instanceof LensError) return err;
  const e = err as {
    code?: string;
    statusCode?: number;
    message?: string;
    json?: { message?: string } | null;
    name?: string;
  };
  if (e.name === 'AbortError') return new LensError('cancelled', 'cancelled', err);
  const netCodes = ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT'];
  if (e.code && netCodes.includes(e.code)) {
    return new LensError(
      'engine-unavailable',
      `Docker engine at ${address} is not reachable (${e.code})`,
      err,
    );
  }
  const detail = (e.json && typeof e.json === 'object' && e.json.message) || e.message || String(err);
  const line = detail.split('\n')[0]!.replace(/^\(HTTP code \d+\)\s*/, '');
  if (e.statusCode === 404) return new LensError('not-found', line, err);
  if (e.statusCode === 400) return new LensError('bad-input', line, err);
  if (e.statusCode === 409) return new LensError('conflict', line, err);
  return new LensError('engine-error', `Docker engine error: ${line}`, err);
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './errors.js';

/**
 * Standalone mode's request guard. The page and API are served on 127.0.0.1 only; to keep other local
 * pages (DNS rebinding, cross-site requests) and other local users out:
 * - every request needs a Host of this address (`127.0.0.1:PORT` or `localhost:PORT`) and, when it
 *   sends an Origin, an Origin of this address;
 * - `/api/*` also needs the per-start token, as `Authorization: Bearer <token>` or `?token=<token>`.
 * Static files load without the token: the page reads it from its own URL.
 * Extension mode listens on a unix socket that only Docker Desktop reaches, so it installs no guard.
 */

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface GuardOptions {
  token: string;
  /** The port actually listened on (known after listen). */
  port: () => number;
}

function forbid(reply: FastifyReply, message: string): void {
  void reply
    .code(403)
    .type('application/json; charset=utf-8')
    .send({ error: { code: 'forbidden', message } } satisfies ErrorBody);
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  const q = request.query as Record<string, unknown> | undefined;
  const t = q?.token;
  return typeof t === 'string' ? t : undefined;
}

function isApiPath(p: string): boolean {
  return p === '/api' || p.startsWith('/api/');
}

function safeDecode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

export function installGuard(app: FastifyInstance, opts: GuardOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const port = opts.port();
    const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    const host = request.headers.host;
    if (!host || !hosts.has(host.toLowerCase())) {
      forbid(reply, `requests must be addressed to 127.0.0.1:${port}`);
      return reply;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !(/^http:\/\//i.test(origin) && hosts.has(origin.slice(7).toLowerCase()))) {
      forbid(reply, 'cross-origin requests are not allowed');
      return reply;
    }
    // Judge by the matched route as well as the raw path, so an encoded path (`/%61pi/…`) is still guarded.
    const route = request.routeOptions.url ?? '';
    const path = request.url.split('?')[0] ?? '';
    if (isApiPath(route) || isApiPath(path) || isApiPath(safeDecode(path))) {
      const given = tokenOf(request);
      if (given === undefined) {
        forbid(reply, 'missing token: open the URL printed by `gocache-lens serve`');
        return reply;
      }
      if (!sameToken(given, opts.token)) {
        forbid(reply, 'wrong token: open the URL printed by `gocache-lens serve`');
        return reply;
      }
    }
    return undefined;
  });
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LensError, firstLine, type LensErrorCode } from '../core/errors.js';

/** The one place where errors become HTTP responses: `{error: {code, message}}` with a 4xx/5xx status. */

export const STATUS_OF: Record<LensErrorCode, number> = {
  'bad-input': 400,
  'unsafe-path': 400,
  'bad-archive': 422,
  unsupported: 422,
  'too-large': 413,
  'not-found': 404,
  conflict: 409,
  cancelled: 409,
  'engine-unavailable': 503,
  'engine-error': 502,
  internal: 500,
};

export interface ErrorBody {
  error: { code: LensErrorCode | 'forbidden'; message: string };
}

/** Maps anything thrown by a route, a hook, fastify's body parser or its validator to a status and body. */
export function toHttpError(err: unknown, bodyLimit: number): { status: number; body: ErrorBody } {
  if (err instanceof LensError) {
    return { status: STATUS_OF[err.code], body: { error: { code: err.code, message: err.message } } };
  }
  const fe = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (fe.validation) {
    return {
      status: 400,
      body: { error: { code: 'bad-input', message: firstLine(fe.message ?? 'invalid request') } },
    };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { error: { code: 'too-large', message: `request body is larger than ${bodyLimit} bytes` } },
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        status: 400,
        body: { error: { code: 'bad-input', message: 'request body is not valid JSON' } },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { error: { code: 'bad-input', message: 'request body is empty but content-type is JSON' } },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: { code: 'bad-input', message: 'request body must be application/json' } },
      };
    default:
      break;
  }
  if (err instanceof SyntaxError) {
    return { status: 400, body: { error: { code: 'bad-input', message: 'request body is not valid JSON' } } };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code: LensErrorCode = status === 404 ? 'not-found' : status === 413 ? 'too-large' : 'bad-input';
    return { status, body: { error: { code, message: firstLine(fe.message ?? 'bad request') } } };
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; see the server log' } },
  };
}

export function makeErrorHandler(bodyLimit: number) {
  return function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body } = toHttpError(err, bodyLimit);
    if (status >= 500) request.log.error({ err }, 'request failed');
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '';
  const shown = path.length > 100 ? `${path.slice(0, 100)}…` : path;
  void reply
    .code(404)
    .type('application/json; charset=utf-8')
    .send({
      error: { code: 'not-found', message: `no route ${request.method} ${shown}` },
    } satisfies ErrorBody);
}

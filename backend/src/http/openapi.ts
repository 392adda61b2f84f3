import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';

/**
 * Builds the OpenAPI 3.1 document from the routes' own fastify schemas: what the server validates and
 * serialises is what it documents. Routes describe themselves with `summary`, `description`, `tags`
 * and `operationId` next to their schemas.
 */

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    operationId?: string;
    /** Content types of a 200 answer that is not JSON (e.g. `text/event-stream`). */
    produces?: string[];
  }
}

interface CollectedRoute {
  method: string;
  url: string;
  schema: FastifySchema;
}

/** Records every route added after this call (call it before registering routes). */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD' || !r.url.startsWith('/api/')) continue;
      routes.push({ method: m.toLowerCase(), url: r.url, schema: r.schema ?? {} });
    }
  });
  return routes;
}

type JsonObject = Record<string, unknown>;

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '202': 'Accepted',
  '400': 'Bad input',
  '403': 'Forbidden',
  '404': 'Not found',
  '409': 'Conflict',
  '413': 'Too large',
  '422': 'Unprocessable',
  '502': 'Engine error',
  '503': 'Engine unavailable',
};

function parametersOf(where: 'path' | 'query', schema: unknown): JsonObject[] {
  const s = schema as { properties?: Record<string, JsonObject>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    const p: JsonObject = {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      schema: rest,
    };
    if (description !== undefined) p.description = description;
    return p;
  });
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  /** Standalone mode: bearer token (or `token` query parameter) on every operation. */
  bearerAuth: boolean;
}

export function buildOpenApiDocument(routes: CollectedRoute[], info: OpenApiInfo): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const r of [...routes].sort(
    (a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method),
  )) {
    const s = r.schema;
    const op: JsonObject = {};
    if (s.operationId) op.operationId = s.operationId;
    if (s.summary) op.summary = s.summary;
    if (s.description) op.description = s.description;
    if (s.tags) op.tags = s.tags;
    const parameters = [...parametersOf('path', s.params), ...parametersOf('query', s.querystring)];
    if (parameters.length > 0) op.parameters = parameters;
    if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
    const responses: Record<string, JsonObject> = {};
    for (const [status, schema] of Object.entries((s.response ?? {}) as Record<string, JsonObject>)) {
      const { description, ...rest } = schema;
      responses[status] = {
        description: typeof description === 'string' ? description : (STATUS_TEXT[status] ?? 'Response'),
        content: { 'application/json': { schema: rest } },
      };
    }
    for (const type of s.produces ?? []) {
      responses['200'] = {
        description: s.summary ?? 'OK',
        content: {
          ...((responses['200']?.content as JsonObject | undefined) ?? {}),
          [type]: { schema: { type: 'string' } },
        },
      };
    }
    responses.default = {
      description: 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    op.responses = responses;
    (paths[toOpenApiPath(r.url)] ??= {})[r.method] = op;
  }
  const doc: JsonObject = {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
    },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' } },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
      },
      ...(info.bearerAuth
        ? {
            securitySchemes: {
              bearer: {
                type: 'http',
                scheme: 'bearer',
                description: 'the token printed by `gocache-lens serve`',
              },
              tokenQuery: { type: 'apiKey', in: 'query', name: 'token' },
            },
          }
        : {}),
    },
  };
  if (info.bearerAuth) doc.security = [{ bearer: [] }, { tokenQuery: [] }];
  return doc;
}

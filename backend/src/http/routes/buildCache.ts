import type { FastifyInstance } from 'fastify';
import { listBuildCache, pruneBuildCache, type PruneRequest } from '../../docker/buildCache.js';
import type { ServerContext } from '../context.js';
import { buildCacheSchema, errorSchema, pruneBodySchema, pruneResultSchema } from '../schemas.js';

export function registerBuildCacheRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/build-cache',
    {
      schema: {
        operationId: 'listBuildCache',
        summary: 'BuildKit cache records, classified (Go module cache, Go build cache, other cache mount, …)',
        description:
          'A cache mount counts as a Go cache when its target or id is a Go cache location or a parent of one ' +
          '(`…/pkg/mod`, `/go/pkg`, a GOPATH, `…/go-build`, `~/.cache`), is named like one (`gomod`, `gocache`), ' +
          'or is assigned to GOMODCACHE/GOCACHE/GOPATH in the command.',
        tags: ['build-cache'],
        response: { 200: buildCacheSchema, default: errorSchema },
      },
    },
    async () => listBuildCache(ctx.engine),
  );

  app.post<{ Body: PruneRequest }>(
    '/api/build-cache/prune',
    {
      schema: {
        operationId: 'pruneBuildCache',
        summary: 'Prune build cache records: a dry run first, then confirm the same selection',
        description:
          'With `dryRun` (the default) nothing is deleted: the answer lists the records and bytes and a ' +
          '`selection` token. To delete, send the same request with `dryRun: false`, `confirm: true` and that ' +
          'token; a changed selection answers 409. Records in use or shared with images are never pruned; ' +
          'images, containers and volumes are never touched. `reclaimedBytes` is what the engine reports.',
        tags: ['build-cache'],
        body: pruneBodySchema,
        response: { 200: pruneResultSchema, default: errorSchema },
      },
    },
    async (request) => pruneBuildCache(ctx.engine, request.body),
  );
}

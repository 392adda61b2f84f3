/**
 * JSON schemas of the API's bodies and responses. Routes use them for validation and serialisation, and
 * the OpenAPI document is generated from the routes, so this file is the one description of the API.
 * Free-form parts keep `additionalProperties: true` so the serialiser never drops a field.
 */

export const errorSchema = {
  type: 'object',
  description: 'Every error: a stable code and a one-line message.',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: {
          type: 'string',
          enum: [
            'bad-input',
            'bad-archive',
            'unsafe-path',
            'too-large',
            'unsupported',
            'not-found',
            'engine-unavailable',
            'engine-error',
            'conflict',
            'cancelled',
            'internal',
            'forbidden',
          ],
        },
        message: { type: 'string' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;

export const analysisResultSchema = {
  type: 'object',
  description: 'The image analysis result (PRODUCT.md section 4, `analyze --format json`).',
  additionalProperties: true,
  properties: {
    schemaVersion: int,
    image: {
      type: 'object',
      additionalProperties: true,
      properties: { ref: str, id: str, sizeBytes: int },
    },
    layers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          index: int,
          diffId: str,
          createdBy: str,
          sizeBytes: int,
          goCaches: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: true,
              properties: {
                kind: { type: 'string', enum: ['module-cache', 'build-cache'] },
                root: str,
                bytes: int,
                files: int,
                modules: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: true,
                    properties: { path: str, version: str, bytes: int },
                  },
                },
              },
            },
          },
          deletedGoCacheBytes: int,
        },
      },
    },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          kind: str,
          severity: { type: 'string', enum: ['error', 'warning', 'info'] },
          layerIndex: int,
          message: str,
          modules: { type: 'array', items: str },
          env: { type: 'array', items: str },
        },
      },
    },
    summary: {
      type: 'object',
      additionalProperties: true,
      properties: {
        polluted: { type: 'boolean' },
        moduleCacheBytes: int,
        buildCacheBytes: int,
        wastedGoCacheBytes: int,
      },
    },
  },
} as const;

export const storedAnalysisSchema = {
  type: 'object',
  properties: { analyzedAt: { type: 'string' }, result: analysisResultSchema },
  required: ['analyzedAt', 'result'],
} as const;

export const jobSchema = {
  type: 'object',
  description: 'An analysis job.',
  properties: {
    id: str,
    image: { type: 'string', description: 'The image as requested.' },
    imageId: str,
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
    progress: {
      type: 'object',
      properties: {
        bytesRead: int,
        bytesTotal: { type: 'integer', description: '0 when unknown' },
        layer: nullableStr,
      },
      required: ['bytesRead', 'bytesTotal', 'layer'],
    },
    createdAt: str,
    startedAt: str,
    finishedAt: str,
    result: analysisResultSchema,
    error: {
      type: 'object',
      properties: { code: str, message: str },
    },
  },
  required: ['id', 'image', 'imageId', 'status', 'progress'],
} as const;

export const jobRefSchema = {
  type: 'object',
  properties: {
    id: str,
    image: str,
    imageId: str,
    status: jobSchema.properties.status,
    joined: { type: 'boolean' },
  },
  required: ['id', 'status'],
} as const;

export const summarySchema = analysisResultSchema.properties.summary;

export const healthSchema = {
  type: 'object',
  properties: {
    engine: {
      type: 'object',
      properties: {
        reachable: { type: 'boolean' },
        address: str,
        version: str,
        apiVersion: str,
        imageStore: { type: 'string', description: '`containerd` or the graph driver (`overlay2`, …)' },
        os: str,
        arch: str,
        error: str,
      },
      required: ['reachable', 'address'],
    },
    server: {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: ['extension', 'standalone'] },
        version: str,
        jobs: {
          type: 'object',
          properties: { queued: int, running: int, maxRunning: int },
        },
      },
    },
  },
  required: ['engine', 'server'],
} as const;

export const imageListSchema = {
  type: 'object',
  properties: {
    images: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: str,
          tags: { type: 'array', items: str },
          digests: { type: 'array', items: str },
          sizeBytes: int,
          created: str,
          lastAnalysis: {
            type: 'object',
            description: 'The latest stored analysis of this image, when there is one.',
            properties: {
              analyzedAt: str,
              summary: summarySchema,
              findings: { type: 'integer', description: 'number of findings' },
              sizeBytes: int,
            },
          },
        },
        required: ['id', 'tags', 'sizeBytes', 'created'],
      },
    },
  },
  required: ['images'],
} as const;

export const historySchema = {
  type: 'object',
  properties: {
    id: str,
    tags: { type: 'array', items: str },
    layers: {
      type: 'array',
      description: 'Build history, oldest first; steps that made no layer have emptyLayer true.',
      items: {
        type: 'object',
        properties: {
          index: int,
          instruction: str,
          createdBy: str,
          sizeBytes: int,
          created: nullableStr,
          emptyLayer: { type: 'boolean' },
          diffId: str,
          comment: str,
        },
        required: ['index', 'instruction', 'sizeBytes', 'created', 'emptyLayer'],
      },
    },
  },
  required: ['id', 'tags', 'layers'],
} as const;

export const analysisListSchema = {
  type: 'object',
  properties: {
    analyses: {
      type: 'array',
      description: 'Stored analyses, newest first.',
      items: {
        type: 'object',
        properties: {
          imageId: str,
          ref: str,
          analyzedAt: str,
          sizeBytes: int,
          summary: summarySchema,
          findings: { type: 'integer', description: 'number of findings' },
          findingKinds: { type: 'array', items: str },
        },
        required: ['imageId', 'ref', 'analyzedAt', 'sizeBytes', 'summary', 'findings'],
      },
    },
  },
  required: ['analyses'],
} as const;

const categories = ['go-module-cache', 'go-build-cache', 'cache-mount', 'layer', 'source', 'other'] as const;

export const buildCacheSchema = {
  type: 'object',
  properties: {
    records: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: str,
          type: str,
          description: str,
          category: { type: 'string', enum: categories },
          mountTarget: str,
          mountId: str,
          size: int,
          inUse: { type: 'boolean' },
          shared: { type: 'boolean' },
          createdAt: nullableStr,
          lastUsedAt: nullableStr,
          usageCount: int,
          parents: { type: 'array', items: str },
        },
        required: [
          'id',
          'type',
          'description',
          'category',
          'size',
          'inUse',
          'shared',
          'lastUsedAt',
          'usageCount',
        ],
      },
    },
    totals: {
      type: 'object',
      description: 'Bytes per category, all records, reclaimable (not in use), and the record count.',
      properties: {
        ...Object.fromEntries(categories.map((c) => [c, int])),
        all: int,
        reclaimable: int,
        records: int,
      },
    },
  },
  required: ['records', 'totals'],
} as const;

export const pruneBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scope: { type: 'string', enum: ['go-caches', 'cache-mounts', 'ids'] },
    ids: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 1000 },
    unusedFor: { type: 'string', maxLength: 32, description: 'e.g. 30m, 24h, 7d' },
    dryRun: { type: 'boolean', default: true },
    confirm: { type: 'boolean' },
    selection: { type: 'string', maxLength: 128, description: 'the selection token of the dry run' },
  },
  required: ['scope'],
} as const;

export const pruneResultSchema = {
  type: 'object',
  properties: {
    dryRun: { type: 'boolean' },
    records: { type: 'array', items: str, description: 'selected (dry run) or deleted record ids' },
    bytes: int,
    selection: str,
    skipped: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: str, reason: { type: 'string', enum: ['in-use', 'shared'] } },
      },
    },
    reclaimedBytes: int,
    notDeleted: { type: 'array', items: str },
  },
  required: ['dryRun', 'records', 'bytes', 'selection', 'skipped'],
} as const;

const MAX_DOCKERFILE = 512 * 1024;

export const lintBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    content: { type: 'string', maxLength: MAX_DOCKERFILE },
    dockerignore: { type: ['string', 'null'], maxLength: MAX_DOCKERFILE },
  },
  required: ['content'],
} as const;

export const fixBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    content: { type: 'string', maxLength: MAX_DOCKERFILE },
    runtimeImage: { type: 'string', maxLength: 512 },
    dockerignore: { type: ['string', 'null'], maxLength: MAX_DOCKERFILE },
  },
  required: ['content'],
} as const;

const doctorFinding = {
  type: 'object',
  additionalProperties: true,
  properties: {
    rule: str,
    severity: { type: 'string', enum: ['error', 'warning', 'info'] },
    line: int,
    message: str,
  },
} as const;

export const lintResultSchema = {
  type: 'object',
  properties: { findings: { type: 'array', items: doctorFinding } },
  required: ['findings'],
} as const;

export const fixResultSchema = {
  type: 'object',
  properties: {
    fixed: str,
    diff: { type: 'string', description: 'unified diff; empty when nothing changed' },
    findings: { type: 'array', items: doctorFinding, description: 'findings of the input' },
    remaining: { type: 'array', items: doctorFinding, description: 'findings of the fixed file' },
    dockerignore: { type: 'string', description: 'a proposed .dockerignore, when the context had none' },
  },
  required: ['fixed', 'diff', 'findings', 'remaining'],
} as const;

export const compareSchema = {
  type: 'object',
  properties: {
    images: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          image: { type: 'string', description: 'as requested' },
          imageId: str,
          ref: str,
          analyzedAt: str,
          totalBytes: int,
          categories: {
            type: 'object',
            description: 'A partition of totalBytes.',
            properties: {
              sharedBaseLayers: {
                type: 'integer',
                description: 'layers also present in another compared image',
              },
              goModuleCache: int,
              goBuildCache: int,
              wastedByLaterDeletes: {
                type: 'integer',
                description: 'Go cache bytes deleted by a later layer',
              },
              rest: int,
            },
          },
        },
      },
    },
  },
  required: ['images'],
} as const;

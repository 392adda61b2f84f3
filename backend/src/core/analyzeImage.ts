import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  SCHEMA_VERSION,
  type AnalysisProgress,
  type AnalysisResult,
  type LayerReport,
} from './analysisTypes.js';
import { LensError, toLensError } from './errors.js';
import { activeGoPaths } from './findings/goPaths.js';
import { deriveFindings } from './findings/rules.js';
import { stackLayers } from './findings/stack.js';
import { readImageArchive } from './image/archiveReader.js';
import { envMap, layerCommands, type ImageConfig } from './image/imageConfig.js';
import type { LayerSummary } from './layers/layerSummary.js';
import type { NewLayer, ResultStore } from './store/resultStore.js';

export type { ImageConfig } from './image/imageConfig.js';

export interface ImageDescription {
  id: string;
  ref: string;
  sizeBytes: number;
  diffIds: string[];
  /** Parsed image config: config.Env, history[], rootfs. */
  config: ImageConfig;
}

/** Where an image comes from: the engine (inspect + export) or a `docker save` archive. */
export interface ImageSource {
  ref: string;
  /** Without exporting, when possible (engine inspect + history); undefined for archives. */
  describe(signal?: AbortSignal): Promise<ImageDescription | undefined>;
  /** The docker-save stream (either format) and its size when known. */
  open(signal?: AbortSignal): Promise<{ stream: NodeJS.ReadableStream; totalBytes?: number }>;
}

export interface AnalyzeOptions {
  store: ResultStore;
  /** Ignore stored layer results (new results are still stored). */
  noCache?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: AnalysisProgress) => void;
  /** Per-layer entry limit (LensError 'too-large' beyond it). */
  maxEntriesPerLayer?: number;
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Analyses one image: per-layer Go caches, what later layers delete, and the findings. Layers already
 * in the store are not read again; when all are known (and the image can be described without
 * exporting), the image is not exported at all. The result is stored on success only.
 */
export async function analyzeImage(source: ImageSource, opts: AnalyzeOptions): Promise<AnalysisResult> {
  const { store, signal } = opts;
  const cancelled = () => new LensError('cancelled', 'cancelled');
  if (signal?.aborted) throw cancelled();
  try {
    const desc = await source.describe(signal);
    if (signal?.aborted) throw cancelled();

    if (desc && !opts.noCache) {
      const known = store.getLayers(desc.diffIds);
      const config =
        store.getImageConfig(desc.id) ??
        (historyFits(desc.config, desc.diffIds.length) ? desc.config : undefined);
      if (config && known.every((s) => s !== undefined)) {
        const result = assemble({
          ref: desc.ref,
          id: desc.id,
          config,
          diffIds: desc.diffIds,
          summaries: known as LayerSummary[],
        });
        store.saveAnalysis(result);
        return result;
      }
    }

    const { stream, totalBytes } = await source.open(signal);
    const bytesTotal = totalBytes ?? desc?.sizeBytes ?? 0;
    const onAbort = () => destroyStream(stream);
    signal?.addEventListener('abort', onAbort, { once: true });
    let lastReport = 0;
    let lastBytes = 0;
    let lastLayer: string | undefined;
    opts.onProgress?.({ bytesRead: 0, bytesTotal });
    let image;
    try {
      image = await readImageArchive(stream, {
        signal,
        wantedRef: desc?.ref ?? undefined,
        isKnownBlob: opts.noCache ? undefined : (d) => store.hasBlob(d),
        maxEntriesPerLayer: opts.maxEntriesPerLayer,
        onProgress: opts.onProgress
          ? (bytesRead, layer) => {
              lastBytes = bytesRead;
              lastLayer = layer;
              const now = Date.now();
              if (now - lastReport < PROGRESS_INTERVAL_MS) return;
              lastReport = now;
              opts.onProgress!({ bytesRead, bytesTotal, ...(layer ? { layer } : {}) });
            }
          : undefined,
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      destroyStream(stream);
    }
    opts.onProgress?.({
      bytesRead: lastBytes,
      bytesTotal: Math.max(bytesTotal, lastBytes),
      ...(lastLayer ? { layer: lastLayer } : {}),
    });

    const newLayers: NewLayer[] = [];
    const summaries = image.layers.map((l) => {
      if (l.summary) {
        newLayers.push({ diffId: l.diffId, blobDigest: l.blobDigest, summary: l.summary });
        return l.summary;
      }
      const s = store.getLayer(l.diffId);
      if (!s) {
        throw new LensError(
          'internal',
          `stored results for layer ${l.diffId} are missing; run again with --no-cache`,
        );
      }
      return s;
    });
    const diffIds = image.layers.map((l) => l.diffId);
    const result = assemble({
      ref: desc?.ref ?? image.repoTags[0] ?? basename(source.ref),
      id: desc?.id ?? image.id,
      config: image.config,
      diffIds,
      summaries,
    });
    store.saveCompleted({
      layers: newLayers,
      imageIds: desc ? [desc.id, image.id] : [image.id],
      config: image.config,
      result,
    });
    return result;
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    throw toLensError(e);
  }
}

function destroyStream(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { destroy?: () => void; destroyed?: boolean };
  if (typeof s.destroy === 'function' && !s.destroyed) s.destroy();
}

/** True when the config's history maps onto the layers (its non-empty entries match their count). */
function historyFits(config: ImageConfig, layerCount: number): boolean {
  const h = config.history;
  return Array.isArray(h) && h.filter((e) => !e.empty_layer).length === layerCount;
}

export interface AssembleInput {
  ref: string;
  id: string;
  config: ImageConfig;
  diffIds: string[];
  summaries: LayerSummary[];
}

/** Builds the analysis result from layer summaries (bottom first) and the image config. */
export function assemble(input: AssembleInput): AnalysisResult {
  const commands = layerCommands(input.config, input.summaries.length);
  const stack = stackLayers(input.summaries);
  const layers: LayerReport[] = input.summaries.map((s, i) => ({
    index: i,
    diffId: input.diffIds[i] ?? '',
    createdBy: commands[i] ?? '',
    sizeBytes: s.sizeBytes,
    goCaches: s.caches.map((c) => ({
      kind: c.kind,
      root: c.root,
      bytes: c.bytes,
      files: c.files,
      modules: c.modules,
    })),
    deletedGoCacheBytes: stack.deletions[i]?.bytes ?? 0,
  }));
  const env = envMap(input.config);
  const goPaths = activeGoPaths(env, input.config.config?.User);
  const findings = deriveFindings({ layers, stack, env, goPaths });
  const finalBytes = (kind: string) =>
    stack.final.caches.filter((c) => c.kind === kind).reduce((s, c) => s + c.bytes, 0);
  const moduleCacheBytes = finalBytes('module-cache');
  const buildCacheBytes = finalBytes('build-cache');
  const shippedBytes = layers.reduce((s, l) => s + l.goCaches.reduce((t, c) => t + c.bytes, 0), 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    // The uncompressed bytes of the layers' files: the same on every image store and for archives
    // (the engine's own Size is compressed content on the containerd store).
    image: { ref: input.ref, id: input.id, sizeBytes: input.summaries.reduce((s, l) => s + l.sizeBytes, 0) },
    layers,
    findings,
    summary: {
      polluted: stack.final.caches.some((c) => c.files > 0),
      moduleCacheBytes,
      buildCacheBytes,
      // Shipped in some layer but not visible in the final filesystem (deleted or shadowed later), so the
      // three byte counts add up to the Go cache cost of the image without counting anything twice.
      wastedGoCacheBytes: Math.max(0, shippedBytes - moduleCacheBytes - buildCacheBytes),
    },
  };
}

/** A `docker save` archive on disk (either format, plain or compressed layers). */
export function archiveFileSource(path: string): ImageSource {
  return {
    ref: path,
    describe: () => Promise.resolve(undefined),
    open: () => {
      let size: number;
      try {
        const st = statSync(path);
        if (!st.isFile()) throw new LensError('bad-input', `${path} is not a file`);
        size = st.size;
      } catch (e) {
        if (e instanceof LensError) return Promise.reject(e);
        const code = (e as NodeJS.ErrnoException).code;
        return Promise.reject(
          new LensError(
            code === 'ENOENT' ? 'not-found' : 'bad-input',
            `cannot read archive ${path} (${code ?? 'error'})`,
            e,
          ),
        );
      }
      const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
      return Promise.resolve({ stream, totalBytes: size });
    },
  };
}

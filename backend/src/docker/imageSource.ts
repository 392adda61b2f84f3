import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { ImageDescription, ImageSource } from '../core/analyzeImage.js';
import { LensError } from '../core/errors.js';
import type { ImageHistoryEntry } from '../core/image/imageConfig.js';
import { engineError, type Engine } from './engine.js';

interface InspectResponse {
  Id: string;
  Size?: number;
  Architecture?: string;
  Os?: string;
  RootFS?: { Type?: string; Layers?: string[] };
  Config?: { Env?: string[] | null; User?: string } | null;
}

interface HistoryResponseEntry {
  Created?: number;
  CreatedBy?: string;
  Comment?: string;
  Size?: number;
}

/** An image on the engine: described by inspect + history, read through `GET /images/{name}/get`. */
export function engineImageSource(engine: Engine, ref: string): ImageSource {
  const name = encodeURIComponent(ref);
  return {
    ref,
    async describe(signal?: AbortSignal): Promise<ImageDescription> {
      const inspect = await engine.request<InspectResponse>({
        method: 'GET',
        path: `/images/${name}/json`,
        signal,
      });
      const history = await engine.request<HistoryResponseEntry[]>({
        method: 'GET',
        path: `/images/${name}/history`,
        signal,
      });
      const diffIds = inspect.RootFS?.Layers ?? [];
      const entries = inferEmptyLayers([...history].reverse(), diffIds.length);
      return {
        id: inspect.Id,
        ref,
        sizeBytes: inspect.Size ?? 0,
        diffIds,
        config: {
          architecture: inspect.Architecture,
          os: inspect.Os,
          config: { Env: inspect.Config?.Env ?? [], User: inspect.Config?.User },
          ...(entries ? { history: entries } : {}),
          rootfs: { type: 'layers', diff_ids: diffIds },
        },
      };
    },
    async open(signal?: AbortSignal) {
      const res = await engine.stream({ method: 'GET', path: `/images/${name}/get`, signal });
      return { stream: relay(res, engine.address, ref) };
    },
  };
}

/** Passes the export through, turning a dropped connection into one clear LensError. */
function relay(res: IncomingMessage, address: string, ref: string): NodeJS.ReadableStream {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const lost = (cause?: unknown) =>
    new LensError(
      'engine-unavailable',
      `the connection to the Docker engine at ${address} was lost while exporting ${ref}`,
      cause,
    );
  res.on('error', (e: Error & { code?: string }) => {
    if (e.name === 'AbortError') out.destroy(new LensError('cancelled', 'cancelled', e));
    else if (e.code === 'ECONNRESET' || e.code === 'EPIPE' || /aborted|socket hang up/i.test(e.message))
      out.destroy(lost(e));
    else out.destroy(engineError(e, address));
  });
  res.on('close', () => {
    if (!res.complete && !out.destroyed) out.destroy(lost());
  });
  out.on('close', () => {
    if (!res.destroyed) res.destroy();
  });
  res.pipe(out);
  return out;
}

const METADATA_INSTRUCTIONS =
  /^(ENV|LABEL|CMD|ENTRYPOINT|EXPOSE|USER|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL|VOLUME|MAINTAINER)\b/;

/**
 * The history endpoint does not say which entries made no layer. Entries with a size made one; for
 * size-0 entries the instruction decides. Undefined when no reading matches the layer count (the
 * caller then takes the history from the exported config instead).
 */
export function inferEmptyLayers(
  history: HistoryResponseEntry[],
  layerCount: number,
): ImageHistoryEntry[] | undefined {
  const base = history.map((h) => ({
    created: h.Created ? new Date(h.Created * 1000).toISOString() : undefined,
    created_by: h.CreatedBy ?? '',
    comment: h.Comment,
  }));
  const attempts: ((h: HistoryResponseEntry) => boolean)[] = [
    (h) => (h.Size ?? 0) > 0,
    (h) => (h.Size ?? 0) > 0 || !isMetadata(h.CreatedBy ?? ''),
    (h) =>
      (h.Size ?? 0) > 0 ||
      !(isMetadata(h.CreatedBy ?? '') || /^WORKDIR\b/.test(instruction(h.CreatedBy ?? ''))),
  ];
  for (const madeLayer of attempts) {
    const flags = history.map(madeLayer);
    if (flags.filter(Boolean).length === layerCount) {
      return base.map((b, i) => (flags[i] ? b : { ...b, empty_layer: true }));
    }
  }
  return undefined;
}

function instruction(createdBy: string): string {
  const s = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(s);
  if (nop) return nop[1]!.trim();
  return s;
}

function isMetadata(createdBy: string): boolean {
  return METADATA_INSTRUCTIONS.test(instruction(createdBy));
}

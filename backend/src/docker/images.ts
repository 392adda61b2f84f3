import { LensError } from '../core/errors.js';
import type { Engine } from './engine.js';

/** Local images, their build history and the engine's health, read over the Engine API. */

// Docker's reference grammar (distribution/reference), slightly relaxed for the domain part.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const REFERENCE = new RegExp(`^${NAME}(?::${TAG})?(?:@${DIGEST})?$`);
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{4,64}$/;

export function isImageRef(s: string): boolean {
  return s.length > 0 && s.length <= 512 && (IMAGE_ID.test(s) || REFERENCE.test(s));
}

/**
 * Accepts an image id (`sha256:…`, full or short hex) or a reference (`name[:tag][@digest]`); anything
 * else, notably path-like strings (`../x`, `a//b`, `%2e`), is a bad-input error. Engine paths are built
 * from accepted values only.
 */
export function assertImageRef(s: unknown, what = 'image'): string {
  if (typeof s !== 'string' || !isImageRef(s)) {
    const shown = typeof s === 'string' ? JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s) : typeof s;
    throw new LensError('bad-input', `${what} must be an image id or reference like name:tag, not ${shown}`);
  }
  return s;
}

function imagePath(ref: string, suffix: string): string {
  return `/images/${encodeURIComponent(assertImageRef(ref))}/${suffix}`;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  digests: string[];
  sizeBytes: number;
  /** ISO date. */
  created: string;
}

interface RawImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size: number;
  Created: number;
}

export async function listImages(engine: Engine, signal?: AbortSignal): Promise<ImageSummary[]> {
  const raw = await engine.request<RawImageSummary[]>({ method: 'GET', path: '/images/json', signal });
  return raw
    .map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      digests: (i.RepoDigests ?? []).filter((d) => !d.startsWith('<none>@')),
      sizeBytes: i.Size,
      created: new Date(i.Created * 1000).toISOString(),
    }))
    .sort((a, b) => b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
}

export interface ImageInspect {
  id: string;
  tags: string[];
  sizeBytes: number;
  created: string;
  /** diffIDs in RootFS order. */
  layers: string[];
}

interface RawInspect {
  Id: string;
  RepoTags?: string[] | null;
  Size: number;
  Created: string;
  RootFS?: { Layers?: string[] | null };
}

/** Looks an image up by id or reference; unknown images are not-found with the name in the message. */
export async function inspectImage(engine: Engine, ref: string, signal?: AbortSignal): Promise<ImageInspect> {
  try {
    const raw = await engine.request<RawInspect>({ method: 'GET', path: imagePath(ref, 'json'), signal });
    return {
      id: raw.Id,
      tags: raw.RepoTags ?? [],
      sizeBytes: raw.Size,
      created: raw.Created,
      layers: raw.RootFS?.Layers ?? [],
    };
  } catch (e) {
    if (e instanceof LensError && e.code === 'not-found') {
      throw new LensError('not-found', `no local image "${ref}"`, e);
    }
    throw e;
  }
}

export interface HistoryEntry {
  /** Oldest first. */
  index: number;
  /** The Dockerfile instruction, e.g. `RUN /bin/sh -c go build .` or `ENV GOPATH=/go`. */
  instruction: string;
  createdBy: string;
  sizeBytes: number;
  /** ISO date, or null when the engine does not know. */
  created: string | null;
  /** True when the step made no filesystem layer (ENV, CMD, LABEL, …). */
  emptyLayer: boolean;
  /** The layer's diffID, when the history maps onto RootFS unambiguously. */
  diffId?: string;
  comment?: string;
}

export interface ImageHistory {
  id: string;
  tags: string[];
  layers: HistoryEntry[];
}

interface RawHistory {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags?: string[] | null;
  Size: number;
  Comment?: string;
}

const METADATA_ONLY = new Set([
  'ENV',
  'LABEL',
  'CMD',
  'ENTRYPOINT',
  'EXPOSE',
  'USER',
  'ARG',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
  'ONBUILD',
  'VOLUME',
  'MAINTAINER',
]);

/** Turns `CreatedBy` into the instruction as written: drops `/bin/sh -c #(nop) ` and ` # buildkit`. */
export function instructionOf(createdBy: string): string {
  let s = createdBy.trim().replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+([\s\S]*)$/.exec(s);
  if (nop) return nop[1]!.trim();
  if (/^\/bin\/sh -c /.test(s)) s = `RUN ${s}`;
  else if (/^\|\d+ /.test(s)) s = `RUN ${s}`; // legacy builder with build args: `|1 A=b /bin/sh -c …`
  return s;
}

function keywordOf(instruction: string): string {
  return (/^([A-Za-z]+)/.exec(instruction)?.[1] ?? '').toUpperCase();
}

/**
 * Marks which history steps made a layer. The engine reports size 0 for empty steps but also for
 * layers with an empty diff, so: steps with bytes make layers; of the zero-size steps, those whose
 * instruction can write files (RUN, COPY, ADD, then WORKDIR) make the remaining RootFS layers, in order.
 * When that accounts for every RootFS layer, the diffIDs are attached.
 */
export function markHistory(raw: RawHistory[], rootfsLayers: string[]): HistoryEntry[] {
  const entries: HistoryEntry[] = [...raw].reverse().map((h, index) => {
    const instruction = instructionOf(h.CreatedBy ?? '');
    const e: HistoryEntry = {
      index,
      instruction,
      createdBy: h.CreatedBy ?? '',
      sizeBytes: Math.max(0, h.Size ?? 0),
      created: h.Created > 0 ? new Date(h.Created * 1000).toISOString() : null,
      emptyLayer: !(h.Size > 0),
    };
    if (h.Comment) e.comment = h.Comment;
    return e;
  });
  let missing = rootfsLayers.length - entries.filter((e) => !e.emptyLayer).length;
  const rank = (e: HistoryEntry): number => {
    const k = keywordOf(e.instruction);
    if (METADATA_ONLY.has(k)) return 0;
    if (k === 'WORKDIR') return 1;
    return 2; // RUN, COPY, ADD, imported layers, anything unknown
  };
  for (const level of [2, 1]) {
    for (const e of entries) {
      if (missing <= 0) break;
      if (e.emptyLayer && rank(e) === level) {
        e.emptyLayer = false;
        missing--;
      }
    }
  }
  const layered = entries.filter((e) => !e.emptyLayer);
  if (layered.length === rootfsLayers.length) layered.forEach((e, i) => (e.diffId = rootfsLayers[i]));
  return entries;
}

export async function imageHistory(engine: Engine, ref: string, signal?: AbortSignal): Promise<ImageHistory> {
  const info = await inspectImage(engine, ref, signal);
  const raw = await engine.request<RawHistory[]>({
    method: 'GET',
    path: imagePath(info.id, 'history'),
    signal,
  });
  return { id: info.id, tags: info.tags, layers: markHistory(raw, info.layers) };
}

export interface EngineHealth {
  /** Whether the engine answered. */
  reachable: boolean;
  address: string;
  version?: string;
  apiVersion?: string;
  /** `containerd` (containerd snapshotter) or the graph driver's name (`overlay2`, …). */
  imageStore?: string;
  os?: string;
  arch?: string;
  error?: string;
}

/** Never throws: an unreachable engine is reported as `reachable: false` with the reason. */
export async function engineHealth(engine: Engine, signal?: AbortSignal): Promise<EngineHealth> {
  try {
    const [version, info] = await Promise.all([
      engine.request<{ Version?: string; ApiVersion?: string; Os?: string; Arch?: string }>({
        method: 'GET',
        path: '/version',
        signal,
      }),
      engine.request<{ Driver?: string; DriverStatus?: [string, string][] | null }>({
        method: 'GET',
        path: '/info',
        signal,
      }),
    ]);
    return {
      reachable: true,
      address: engine.address,
      version: version.Version ?? '',
      apiVersion: version.ApiVersion ?? '',
      imageStore: imageStoreOf(info),
      os: version.Os ?? '',
      arch: version.Arch ?? '',
    };
  } catch (e) {
    return { reachable: false, address: engine.address, error: e instanceof Error ? e.message : String(e) };
  }
}

export function imageStoreOf(info: { Driver?: string; DriverStatus?: [string, string][] | null }): string {
  const status = JSON.stringify(info.DriverStatus ?? []);
  if (status.includes('io.containerd.snapshotter')) return 'containerd';
  return info.Driver ?? 'unknown';
}

/** True when the engine answers `/_ping`. */
export async function engineAnswers(engine: Engine, timeoutMs = 3000): Promise<boolean> {
  try {
    await engine.request({ method: 'GET', path: '/_ping', signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

export function isImageId(s: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(s) || /^[a-f0-9]{64}$/.test(s);
}

/** `name` -> `name:latest`; references with a tag or digest and image ids are returned unchanged. */
export function normalizeRef(ref: string): string {
  if (isImageId(ref) || ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}

/**
 * Env of a local image (the doctor reads GOLANG_VERSION, GOPATH and friends from base images). Best effort:
 * undefined when the image is not local or the engine does not answer within `timeoutMs`.
 */
export async function localImageEnv(
  engine: Engine,
  image: string,
  signal?: AbortSignal,
  timeoutMs = 5000,
): Promise<string[] | undefined> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const info = await engine.request<{ Config?: { Env?: string[] | null } | null }>({
      method: 'GET',
      path: `/images/${encodeURIComponent(image)}/json`,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return info.Config?.Env ?? [];
  } catch {
    return undefined;
  }
}

/** `localImageEnv` for several images at once, keyed by the names given; unknown images are left out. */
export async function localImageEnvs(
  engine: Engine,
  images: string[],
  signal?: AbortSignal,
  timeoutMs?: number,
): Promise<Map<string, string[]>> {
  const envs = new Map<string, string[]>();
  await Promise.all(
    images.filter(isImageRef).map(async (image) => {
      const env = await localImageEnv(engine, image, signal, timeoutMs);
      if (env) envs.set(image, env);
    }),
  );
  return envs;
}

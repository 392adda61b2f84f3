import { createHash } from 'node:crypto';
import { LensError } from '../core/errors.js';
import type { Engine } from './engine.js';

/**
 * BuildKit build cache records as the engine lists them (`GET /system/df?type=build-cache`), classified
 * by what they hold, and a prune that deletes exactly a previewed selection.
 */

export type BuildCacheCategory =
  'go-module-cache' | 'go-build-cache' | 'cache-mount' | 'layer' | 'source' | 'other';

export const BUILD_CACHE_CATEGORIES: readonly BuildCacheCategory[] = [
  'go-module-cache',
  'go-build-cache',
  'cache-mount',
  'layer',
  'source',
  'other',
];

/** One entry of `/system/df` `BuildCache`, as Engine API 1.42+ returns it. */
export interface RawBuildCacheRecord {
  ID: string;
  Parent?: string;
  Parents?: string[] | null;
  /** Docker 26 spells the field with a leading space (a struct tag typo). */
  ' Parents'?: string[] | null;
  Type: string;
  Description?: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt?: string;
  LastUsedAt?: string | null;
  UsageCount?: number;
}

export interface BuildCacheRecord {
  id: string;
  /** BuildKit record type: `exec.cachemount`, `regular`, `source.local`, `frontend`, `internal`, … */
  type: string;
  description: string;
  category: BuildCacheCategory;
  /** For cache mounts: the mount target inside the build container. */
  mountTarget?: string;
  /** For cache mounts: the cache id when it differs from the target. */
  mountId?: string;
  size: number;
  inUse: boolean;
  shared: boolean;
  createdAt: string | null;
  lastUsedAt: string | null;
  usageCount: number;
  parents: string[];
}

export type BuildCacheTotals = Record<BuildCacheCategory, number> & {
  /** Sum of every record's size. */
  all: number;
  /** Bytes of records not in use (what a prune could free at most). */
  reclaimable: number;
  records: number;
};

export interface BuildCacheListing {
  records: BuildCacheRecord[];
  totals: BuildCacheTotals;
}

export interface CacheMountInfo {
  target: string;
  id?: string;
  command: string;
}

/**
 * Parses BuildKit's description of a cache mount record:
 * `cached mount /go/pkg/mod from exec /bin/sh -c go mod download with id "//go/pkg/mod"`.
 */
export function parseCacheMountDescription(description: string): CacheMountInfo | undefined {
  const m = /^cached mount (.+?) from exec ([\s\S]*)$/.exec(description);
  if (!m) return undefined;
  const target = m[1]!;
  let command = m[2]!;
  let id: string | undefined;
  const idMatch = / with id "((?:[^"\\]|\\.)*)"$/.exec(command);
  if (idMatch) {
    id = idMatch[1]!.replace(/\\(.)/g, '$1');
    command = command.slice(0, idMatch.index);
  }
  return id === undefined ? { target, command } : { target, id, command };
}

/** Collapses repeated slashes and drops a trailing one: `//go/pkg/mod/` -> `/go/pkg/mod`. */
function normalizePath(p: string): string {
  const s = p.replace(/\/+/g, '/');
  return s.length > 1 ? s.replace(/\/$/, '') : s;
}

const MODULE_SEGMENT = /^(go-?mod(-?cache)?|gomodcache|go-?modules|go-?pkg-?mod)$/i;
const BUILD_SEGMENT = /^(go-?build(-?cache)?|go-?cache|gocache|gobuild)$/i;

/**
 * Which Go cache a path (a mount target or a cache id) holds, judged conservatively by containment
 * against the default and common locations:
 * - module cache: `…/pkg/mod` and anything inside it (`/go/pkg/mod/cache` holds the downloads), a GOPATH
 *   `pkg` dir (`/go/pkg`, `/root/go/pkg`), a GOPATH root (`/go`, `/root/go`, `/home/NAME/go`), or a last
 *   segment named like a module cache (`gomod`, `go-mod-cache`, `gomodcache`, …);
 * - build cache: `…/go-build` and anything inside it, a user cache parent (`/root/.cache`,
 *   `/home/NAME/.cache`, `…/.cache`), or a last segment named like a build cache (`gocache`, `go-build-cache`,
 *   `gobuild`, …).
 * Anything else is not called a Go cache.
 */
export function goCacheKindOfPath(path: string): 'module' | 'build' | undefined {
  const p = normalizePath(path.trim());
  if (p === '' || p === '/') return undefined;
  const segs = p.split('/').filter(Boolean);
  const last = segs[segs.length - 1] ?? '';
  if (segs.includes('go-build')) return 'build';
  for (let i = 0; i + 1 < segs.length; i++) if (segs[i] === 'pkg' && segs[i + 1] === 'mod') return 'module';
  if (last === 'pkg' && segs[segs.length - 2] === 'go') return 'module';
  if (/^\/(go|root\/go|home\/[^/]+\/go)$/.test(p)) return 'module';
  if (last === '.cache') return 'build';
  if (MODULE_SEGMENT.test(last)) return 'module';
  if (BUILD_SEGMENT.test(last)) return 'build';
  return undefined;
}

/** A Go cache named by an assignment in the command: `GOMODCACHE=/x`, `GOCACHE=/y`, `GOPATH=/z`. */
function kindFromCommand(target: string, command: string): 'module' | 'build' | undefined {
  const t = normalizePath(target);
  const re = /\b(GOMODCACHE|GOCACHE|GOPATH)=("([^"]*)"|'([^']*)'|(\S+))/g;
  for (const m of command.matchAll(re)) {
    const value = normalizePath(m[3] ?? m[4] ?? m[5] ?? '');
    if (value === t || (value.startsWith(`${t}/`) && t !== '/'))
      return m[1] === 'GOCACHE' ? 'build' : 'module';
  }
  return undefined;
}

/** Classifies one record. Cache mounts are Go caches when their target or id says so (see goCacheKindOfPath). */
export function classifyBuildCacheRecord(rec: Pick<RawBuildCacheRecord, 'Type' | 'Description'>): {
  category: BuildCacheCategory;
  mount?: CacheMountInfo;
} {
  const type = rec.Type ?? '';
  if (type === 'exec.cachemount') {
    const mount = parseCacheMountDescription(rec.Description ?? '');
    if (!mount) return { category: 'cache-mount' };
    const kind =
      goCacheKindOfPath(mount.target) ??
      (mount.id !== undefined ? goCacheKindOfPath(mount.id) : undefined) ??
      kindFromCommand(mount.target, mount.command);
    const category =
      kind === 'module' ? 'go-module-cache' : kind === 'build' ? 'go-build-cache' : 'cache-mount';
    return { category, mount };
  }
  if (type === 'regular') return { category: 'layer' };
  if (type.startsWith('source.')) return { category: 'source' };
  return { category: 'other' };
}

export function toBuildCacheRecord(raw: RawBuildCacheRecord): BuildCacheRecord {
  const { category, mount } = classifyBuildCacheRecord(raw);
  const rec: BuildCacheRecord = {
    id: raw.ID,
    type: raw.Type,
    description: raw.Description ?? '',
    category,
    size: Math.max(0, Number(raw.Size) || 0),
    inUse: Boolean(raw.InUse),
    shared: Boolean(raw.Shared),
    createdAt: raw.CreatedAt ?? null,
    lastUsedAt: raw.LastUsedAt ?? null,
    usageCount: raw.UsageCount ?? 0,
    parents: raw.Parents ?? raw[' Parents'] ?? (raw.Parent ? [raw.Parent] : []),
  };
  if (mount) {
    rec.mountTarget = mount.target;
    if (mount.id !== undefined) rec.mountId = mount.id;
  }
  return rec;
}

export function buildCacheTotals(records: BuildCacheRecord[]): BuildCacheTotals {
  const totals = Object.fromEntries(BUILD_CACHE_CATEGORIES.map((c) => [c, 0])) as BuildCacheTotals;
  totals.all = 0;
  totals.reclaimable = 0;
  totals.records = records.length;
  for (const r of records) {
    totals[r.category] += r.size;
    totals.all += r.size;
    if (!r.inUse) totals.reclaimable += r.size;
  }
  return totals;
}

export async function listRawBuildCache(
  engine: Engine,
  signal?: AbortSignal,
): Promise<RawBuildCacheRecord[]> {
  const df = await engine.request<{ BuildCache?: RawBuildCacheRecord[] | null }>({
    method: 'GET',
    path: '/system/df',
    query: { type: 'build-cache' },
    signal,
  });
  return df.BuildCache ?? [];
}

/** Every build cache record with its category, largest first, and the totals per category. */
export async function listBuildCache(engine: Engine, signal?: AbortSignal): Promise<BuildCacheListing> {
  const records = (await listRawBuildCache(engine, signal)).map(toBuildCacheRecord);
  records.sort((a, b) => b.size - a.size || a.id.localeCompare(b.id));
  return { records, totals: buildCacheTotals(records) };
}

// ---------------------------------------------------------------------------------------------------
// Prune

export type PruneScope = 'go-caches' | 'cache-mounts' | 'ids';

export interface PruneRequest {
  scope: PruneScope;
  /** Record ids, for scope `ids`. */
  ids?: string[];
  /** Only records last used longer ago than this (`90m`, `24h`, `7d`, or seconds). */
  unusedFor?: string;
  /** Default true: report the selection, delete nothing. */
  dryRun?: boolean;
  /** Required to delete. */
  confirm?: boolean;
  /** The `selection` token of the dry run whose records are to be deleted. */
  selection?: string;
}

export interface PruneSkip {
  id: string;
  reason: 'in-use' | 'shared';
}

export interface PruneOutcome {
  dryRun: boolean;
  /** Ids selected (dry run) or deleted (real prune). */
  records: string[];
  /** Bytes of the selected records, as listed before the prune. */
  bytes: number;
  /** Token naming the selection; pass it back with `confirm: true` to delete exactly these records. */
  selection: string;
  /** Records matching the scope that are never pruned. */
  skipped: PruneSkip[];
  /** Space the engine reports as reclaimed (real prune only). */
  reclaimedBytes?: number;
  /** Selected records still listed after the prune (real prune only). */
  notDeleted?: string[];
}

const RECORD_ID = /^[A-Za-z0-9]{1,64}$/;
const MAX_IDS = 1000;

/** `90s`, `30m`, `24h`, `7d`, `1w`, or a plain number of seconds, to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!m) throw new LensError('bad-input', `unusedFor must be a duration like 30m, 24h or 7d, not "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[unit]!;
  return n * ms;
}

export function selectionToken(scope: PruneScope, ids: string[]): string {
  const h = createHash('sha256');
  h.update(`${scope}\n`);
  for (const id of [...ids].sort()) h.update(`${id}\n`);
  return h.digest('hex').slice(0, 32);
}

export function validatePruneRequest(req: PruneRequest): void {
  if (!['go-caches', 'cache-mounts', 'ids'].includes(req.scope)) {
    throw new LensError(
      'bad-input',
      `scope must be one of go-caches, cache-mounts, ids, not "${String(req.scope)}"`,
    );
  }
  if (req.scope === 'ids') {
    if (!req.ids || req.ids.length === 0)
      throw new LensError('bad-input', 'scope "ids" needs a non-empty ids list');
    if (req.ids.length > MAX_IDS) throw new LensError('too-large', `at most ${MAX_IDS} ids per prune`);
  } else if (req.ids !== undefined && req.ids.length > 0) {
    throw new LensError('bad-input', `ids are only accepted with scope "ids", not "${req.scope}"`);
  }
  for (const id of req.ids ?? []) {
    if (!RECORD_ID.test(id)) throw new LensError('bad-input', `"${id}" is not a build cache record id`);
  }
  if (req.unusedFor !== undefined) parseDuration(req.unusedFor);
}

/**
 * Pure selection: which records a request would prune. Records in use or shared with images are never
 * selected (reported in `skipped` when they match the scope). Unknown ids fail with not-found.
 */
export function selectForPrune(
  records: BuildCacheRecord[],
  req: PruneRequest,
  now: Date = new Date(),
): { selected: BuildCacheRecord[]; skipped: PruneSkip[] } {
  validatePruneRequest(req);
  let matching: BuildCacheRecord[];
  if (req.scope === 'ids') {
    const byId = new Map(records.map((r) => [r.id, r]));
    const missing = req.ids!.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw new LensError(
        'not-found',
        `no build cache record ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`,
      );
    }
    matching = [...new Set(req.ids!)].map((id) => byId.get(id)!);
  } else if (req.scope === 'go-caches') {
    matching = records.filter((r) => r.category === 'go-module-cache' || r.category === 'go-build-cache');
  } else {
    matching = records.filter((r) => r.type === 'exec.cachemount');
  }
  if (req.unusedFor !== undefined) {
    const cutoff = now.getTime() - parseDuration(req.unusedFor);
    matching = matching.filter((r) => {
      const last = Date.parse(r.lastUsedAt ?? r.createdAt ?? '');
      return Number.isFinite(last) && last <= cutoff;
    });
  }
  const selected: BuildCacheRecord[] = [];
  const skipped: PruneSkip[] = [];
  for (const r of matching) {
    if (r.inUse) skipped.push({ id: r.id, reason: 'in-use' });
    else if (r.shared) skipped.push({ id: r.id, reason: 'shared' });
    else selected.push(r);
  }
  return { selected, skipped };
}

/**
 * Dry run (default): the exact records and bytes a prune would delete, and a selection token.
 * Real prune: needs `confirm: true` and the dry run's `selection`; recomputes the selection and refuses
 * (conflict) when it changed, then deletes the records one by one with an exact id filter, and checks
 * with `/system/df` which are gone. Never touches records in use, images, containers or volumes.
 */
export async function pruneBuildCache(
  engine: Engine,
  req: PruneRequest,
  signal?: AbortSignal,
): Promise<PruneOutcome> {
  const dryRun = req.dryRun ?? true;
  validatePruneRequest(req);
  if (!dryRun) {
    if (req.confirm !== true) {
      throw new LensError(
        'conflict',
        'prune deletes only with "confirm": true; run it with "dryRun": true first',
      );
    }
    if (!req.selection) {
      throw new LensError('conflict', 'prune needs the "selection" token of a dry run with the same scope');
    }
  }
  const { records } = await listBuildCache(engine, signal);
  const { selected, skipped } = selectForPrune(records, req);
  const ids = selected.map((r) => r.id);
  const token = selectionToken(req.scope, ids);
  const bytes = selected.reduce((n, r) => n + r.size, 0);
  if (dryRun) return { dryRun: true, records: ids, bytes, selection: token, skipped };
  if (req.selection !== token) {
    throw new LensError(
      'conflict',
      'the build cache changed since the dry run; run the dry run again and confirm its selection',
    );
  }

  let reclaimed = 0;
  const deleted = new Set<string>();
  for (const id of ids) {
    const res = await engine.request<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>({
      method: 'POST',
      // One exact id per request: the engine takes one value per filter key and matches ids as a regexp.
      path: '/build/prune',
      query: { filters: JSON.stringify({ id: [`^${id}$`] }), all: true },
      signal,
    });
    reclaimed += res.SpaceReclaimed ?? 0;
    for (const d of res.CachesDeleted ?? []) deleted.add(d);
  }
  const after = new Set((await listRawBuildCache(engine, signal)).map((r) => r.ID));
  const notDeleted = ids.filter((id) => after.has(id));
  return {
    dryRun: false,
    records: ids.filter((id) => !after.has(id)),
    bytes,
    selection: token,
    skipped,
    reclaimedBytes: reclaimed,
    notDeleted,
  };
}

import type { ModuleUsage } from '../analysisTypes.js';
import { LensError } from '../errors.js';
import {
  goExtractionActions,
  newGoFileFacts,
  type ExtractionAction,
  type GoFileFacts,
} from '../gocache/actions.js';
import { buildCacheRootOf, isBuildCacheChild } from '../gocache/buildCache.js';
import {
  moduleKey,
  parseDownloadPath,
  parseExtractedDir,
  unescapeModulePath,
  versionOfDownloadFile,
} from '../gocache/moduleCache.js';
import type { TarBodySink, TarEntry, TarVisitor } from '../image/tarParser.js';
import { LAYER_SUMMARY_VERSION, type CacheUnit, type LayerCache, type LayerSummary } from './layerSummary.js';

/** Deeper than this inside a cache root, subtrees are kept as one unit. */
const MAX_UNIT_DEPTH = 12;
/**
 * Files whose sizes are kept one by one (so a later layer deleting just them is counted exactly): the
 * build cache's own files and the module cache's lock. Everything in `@v` directories is kept too.
 */
const SINGLE_FILES = new Set(['README', 'trim.txt', 'testexpire.txt', 'lock']);
/** Directories tracked per layer before LensError('too-large'): bounds memory whatever the layer. */
const DEFAULT_MAX_DIRS = 400_000;

/**
 * One directory of the layer, with the sizes of the files directly in it. The walker keeps only this
 * aggregate tree (no per-file records, except inside `@v` download directories, which are small).
 */
interface DirNode {
  name: string;
  parent: DirNode | undefined;
  children: Map<string, DirNode> | undefined;
  bytes: number;
  files: number;
  /** Per-file sizes of `@v` directories' files and of SINGLE_FILES. */
  fileSizes: Map<string, number> | undefined;
}

function newNode(name: string, parent: DirNode | undefined): DirNode {
  return { name, parent, children: undefined, bytes: 0, files: 0, fileSizes: undefined };
}

/**
 * Walks the entries of one layer tar (a TarVisitor) and produces its LayerSummary: the Go caches it
 * holds (recognised by structure, wherever they are), the go.sum files, and what it deletes.
 */
export interface LayerWalkerOptions {
  /** For error messages, e.g. `layer sha256:abcd…`. */
  label?: string;
  /** Directories tracked before LensError('too-large'). */
  maxDirs?: number;
}

export class LayerWalker implements TarVisitor {
  private readonly top = newNode('', undefined);
  private dirs = 0;
  private readonly maxDirs: number;
  private readonly label: string;
  private lastDirPath = '';
  private lastDir: DirNode = this.top;
  private sizeBytes = 0;
  private entries = 0;
  private readonly whiteouts: string[] = [];
  private readonly opaques: string[] = [];
  private readonly moduleRoots = new Set<string>();
  private readonly buildRoots = new Set<string>();
  private readonly facts: GoFileFacts = newGoFileFacts();
  private readonly actions: ExtractionAction[] = goExtractionActions(this.facts);

  constructor(opts: LayerWalkerOptions = {}) {
    this.maxDirs = opts.maxDirs ?? DEFAULT_MAX_DIRS;
    this.label = opts.label ?? 'layer';
  }

  entry(e: TarEntry): TarBodySink | undefined {
    this.entries++;
    if (e.path === '') return undefined;
    const slash = e.path.lastIndexOf('/');
    const dirPath = slash < 0 ? '' : e.path.slice(0, slash);
    const base = e.path.slice(slash + 1);

    if (base.startsWith('.wh.')) {
      if (base === '.wh..wh..opq') this.opaques.push(`/${dirPath}`);
      else if (!base.startsWith('.wh..wh.'))
        this.whiteouts.push(`/${dirPath ? `${dirPath}/` : ''}${base.slice(4)}`);
      return undefined;
    }
    if (e.type !== 'file' && e.type !== 'hardlink') return undefined;

    const size = e.type === 'file' ? e.size : 0;
    this.sizeBytes += size;
    const dir = this.dir(dirPath);
    dir.bytes += size;
    dir.files++;
    if (dir.name === '@v' || SINGLE_FILES.has(base)) {
      const sizes = (dir.fileSizes ??= new Map());
      sizes.set(base, (sizes.get(base) ?? 0) + size);
    }

    // Structural signatures of the two caches.
    if (dir.name === '@v') {
      const d = parseDownloadPath(e.path);
      if (d) this.moduleRoots.add(d.root);
    } else if (base.length === 66) {
      const r = buildCacheRootOf(e.path);
      if (r !== undefined) this.buildRoots.add(`/${r}`);
    }

    if (e.type !== 'file') return undefined;
    for (const action of this.actions) {
      if (action.matches(e.path, e.size)) return collect(action, e);
    }
    return undefined;
  }

  private dir(path: string): DirNode {
    if (path === this.lastDirPath) return this.lastDir;
    let node = this.top;
    if (path !== '') {
      for (const part of path.split('/')) {
        let child = node.children?.get(part);
        if (!child) {
          if (++this.dirs > this.maxDirs) {
            throw new LensError(
              'too-large',
              `${this.label} has more than ${this.maxDirs.toLocaleString('en-US')} directories`,
            );
          }
          child = newNode(part, node);
          (node.children ??= new Map()).set(part, child);
        }
        node = child;
      }
    }
    this.lastDirPath = path;
    this.lastDir = node;
    return node;
  }

  private find(absPath: string): DirNode | undefined {
    let node: DirNode | undefined = this.top;
    if (absPath === '/') return node;
    for (const part of absPath.slice(1).split('/')) {
      node = node.children?.get(part);
      if (!node) return undefined;
    }
    return node;
  }

  finish(): LayerSummary {
    const moduleRoots = outermost([...this.moduleRoots]);
    const buildRoots = [...this.buildRoots].filter((b) => !moduleRoots.some((m) => isWithin(b, m)));
    const caches: LayerCache[] = [];
    for (const root of moduleRoots) {
      const node = this.find(root);
      if (node) caches.push(this.moduleCache(root, node));
    }
    for (const root of outermost(buildRoots)) {
      const node = this.find(root);
      if (node) caches.push(buildCache(root, node));
    }
    caches.sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : a.kind < b.kind ? -1 : 1));
    const goSums = [...this.facts.goSums]
      .map(([p, lines]) => ({ path: `/${p}`, lines }))
      .filter((g) => !moduleRoots.some((m) => isWithin(g.path, m)))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    return {
      version: LAYER_SUMMARY_VERSION,
      sizeBytes: this.sizeBytes,
      entries: this.entries,
      caches,
      goSums,
      whiteouts: this.whiteouts,
      opaques: this.opaques,
    };
  }

  private moduleCache(root: string, node: DirNode): LayerCache {
    const units: CacheUnit[] = [];
    const modules = new Map<string, ModuleUsage>();
    const addModule = (module: string, version: string, bytes: number) => {
      const k = moduleKey(module, version);
      const m = modules.get(k);
      if (m) m.bytes += bytes;
      else modules.set(k, { path: module, version, bytes });
    };
    const visit = (n: DirNode, rel: string, depth: number, inCache: boolean, inDownload: boolean) => {
      if (n.name === '@v' && inDownload && n.fileSizes) {
        const module = unescapeModulePath(rel.slice('cache/download/'.length, -'/@v'.length));
        for (const [name, size] of n.fileSizes) {
          units.push([`${rel}/${name}`, size, 1, 1]);
          const version = versionOfDownloadFile(name);
          if (module && version && !rel.startsWith('cache/download/sumdb/')) addModule(module, version, size);
        }
      } else if (n.files > 0) {
        pushDirectFiles(units, rel, n);
      }
      if (!n.children) return;
      for (const child of n.children.values()) {
        const crel = rel ? `${rel}/${child.name}` : child.name;
        const extracted = !inCache && child.name.includes('@') ? parseExtractedDir(crel) : undefined;
        if (extracted) {
          const [bytes, files] = subtreeTotals(child);
          if (files > 0) units.push([crel, bytes, files]);
          addModule(extracted.module, extracted.version, bytes);
        } else if (depth + 1 >= MAX_UNIT_DEPTH || crel === 'cache/download/sumdb' || crel === 'cache/vcs') {
          const [bytes, files] = subtreeTotals(child);
          if (files > 0) units.push([crel, bytes, files]);
        } else {
          const childInCache = inCache || crel === 'cache';
          visit(child, crel, depth + 1, childInCache, inDownload || crel === 'cache/download');
        }
      }
    };
    visit(node, '', 0, false, false);
    const [bytes, files] = subtreeTotals(node);
    const zipHashes: Record<string, string> = {};
    const prefix = root === '/' ? '' : `${root.slice(1)}/`;
    for (const [p, h] of this.facts.zipHashes) {
      if (!p.startsWith(prefix)) continue;
      const d = parseDownloadPath(p);
      if (d?.module && d.version && d.root === root) zipHashes[moduleKey(d.module, d.version)] = h;
    }
    return {
      kind: 'module-cache',
      root,
      bytes,
      files,
      modules: [...modules.values()].sort(compareModules),
      units,
      zipHashes,
    };
  }
}

function buildCache(root: string, node: DirNode): LayerCache {
  const units: CacheUnit[] = [];
  let bytes = node.bytes;
  let files = node.files;
  if (node.files > 0) pushDirectFiles(units, '', node);
  for (const child of node.children?.values() ?? []) {
    if (!isBuildCacheChild(child.name)) continue;
    const [b, f] = subtreeTotals(child);
    if (f === 0) continue;
    units.push([child.name, b, f]);
    bytes += b;
    files += f;
  }
  return { kind: 'build-cache', root, bytes, files, modules: [], units, zipHashes: {} };
}

/** The files directly in a directory: those whose sizes were kept one by one, the rest as one unit. */
function pushDirectFiles(units: CacheUnit[], rel: string, n: DirNode): void {
  let bytes = n.bytes;
  let files = n.files;
  for (const [name, size] of n.fileSizes ?? []) {
    units.push([rel ? `${rel}/${name}` : name, size, 1, 1]);
    bytes -= size;
    files--;
  }
  if (files > 0) units.push([rel, bytes, files]);
}

function subtreeTotals(n: DirNode): [bytes: number, files: number] {
  let bytes = 0;
  let files = 0;
  const stack = [n];
  while (stack.length) {
    const x = stack.pop()!;
    bytes += x.bytes;
    files += x.files;
    if (x.children) for (const c of x.children.values()) stack.push(c);
  }
  return [bytes, files];
}

function collect(action: ExtractionAction, e: TarEntry): TarBodySink {
  const parts: Buffer[] = [];
  let got = 0;
  const limit = Math.min(action.maxBytes, e.size);
  return {
    data(chunk) {
      if (got >= limit) return;
      const take = chunk.subarray(0, limit - got);
      parts.push(Buffer.from(take)); // copy: the chunk's memory is reused by the reader
      got += take.length;
    },
    end() {
      action.onFile(e.path, Buffer.concat(parts));
    },
  };
}

/** True when `path` equals `dir` or lies below it (absolute paths). */
export function isWithin(path: string, dir: string): boolean {
  if (dir === '/') return true;
  return path === dir || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47);
}

function outermost(roots: string[]): string[] {
  const sorted = [...roots].sort();
  const out: string[] = [];
  for (const r of sorted) if (!out.some((o) => isWithin(r, o))) out.push(r);
  return out;
}

function compareModules(a: ModuleUsage, b: ModuleUsage): number {
  return a.path < b.path
    ? -1
    : a.path > b.path
      ? 1
      : a.version < b.version
        ? -1
        : a.version > b.version
          ? 1
          : 0;
}

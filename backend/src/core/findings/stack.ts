import type { GoSumLine } from '../gocache/goSum.js';
import { moduleKey, moduleOfUnit } from '../gocache/moduleCache.js';
import type { LayerSummary } from '../layers/layerSummary.js';

/**
 * Stacks layer summaries bottom-up the way the image's filesystem is stacked: each layer's whiteouts
 * and opaque directories remove what lower layers tracked (counted once, in the layer that deletes
 * it), then its own cache units and go.sum files are added. Only Go-relevant items are tracked, in a
 * path trie, so stacking costs nothing like a full file tree.
 */

export type CacheKind = 'module-cache' | 'build-cache';

interface TrackedUnit {
  kind: CacheKind;
  root: string;
  bytes: number;
  files: number;
  layer: number;
  /** `path@version` when the unit belongs to one module. */
  module?: string;
  zipHash?: string;
}

interface TrieNode {
  children?: Map<string, TrieNode>;
  units?: TrackedUnit[];
  goSum?: { layer: number; path: string; lines: GoSumLine[] };
}

export interface LayerDeletion {
  bytes: number;
  files: number;
  /** Bytes deleted, by the layer that wrote them. */
  fromLayers: Map<number, number>;
}

export interface FinalCache {
  kind: CacheKind;
  root: string;
  bytes: number;
  files: number;
  /** Bytes still visible, by the layer that wrote them. */
  byLayer: Map<number, number>;
}

export interface FinalModule {
  key: string;
  bytes: number;
  /** Lowest layer that wrote part of it. */
  layer: number;
  root: string;
}

export interface StackResult {
  /** Per layer index. */
  deletions: LayerDeletion[];
  final: {
    caches: FinalCache[];
    modules: FinalModule[];
    /** Cached `.ziphash` values still visible. */
    zipHashes: { key: string; hash: string; layer: number; root: string }[];
    goSums: { path: string; layer: number; lines: GoSumLine[] }[];
  };
}

export function stackLayers(layers: LayerSummary[]): StackResult {
  const top: TrieNode = {};
  const deletions: LayerDeletion[] = [];

  layers.forEach((layer, index) => {
    const del: LayerDeletion = { bytes: 0, files: 0, fromLayers: new Map() };
    const account = (n: TrieNode) =>
      forEachUnit(n, (u) => {
        del.bytes += u.bytes;
        del.files += u.files;
        del.fromLayers.set(u.layer, (del.fromLayers.get(u.layer) ?? 0) + u.bytes);
      });
    for (const dir of layer.opaques) {
      const n = find(top, dir);
      if (!n) continue;
      const hidden: TrieNode = { children: n.children, units: n.units };
      account(hidden);
      n.children = undefined;
      n.units = undefined;
    }
    for (const path of layer.whiteouts) {
      const removed = detach(top, path);
      if (removed) account(removed);
    }
    deletions.push(del);

    for (const cache of layer.caches) {
      for (const [rel, bytes, files, isFile] of cache.units) {
        const node = ensure(top, rel ? joinPath(cache.root, rel) : cache.root);
        const unit: TrackedUnit = { kind: cache.kind, root: cache.root, bytes, files, layer: index };
        if (cache.kind === 'module-cache') {
          const m = moduleOfUnit(rel);
          if (m) {
            unit.module = moduleKey(m.module, m.version);
            if (rel.endsWith('.ziphash')) unit.zipHash = cache.zipHashes[unit.module];
          }
        }
        // A file replaces the lower one; directory aggregates add up.
        if (isFile || !node.units) node.units = [unit];
        else node.units.push(unit);
      }
    }
    for (const g of layer.goSums) {
      ensure(top, g.path).goSum = { layer: index, path: g.path, lines: g.lines };
    }
  });

  const caches = new Map<string, FinalCache>();
  const modules = new Map<string, FinalModule>();
  const zipHashes: StackResult['final']['zipHashes'] = [];
  const goSums: StackResult['final']['goSums'] = [];
  walk(top, (n) => {
    if (n.goSum) goSums.push(n.goSum);
    for (const u of n.units ?? []) {
      const ck = `${u.kind}\0${u.root}`;
      let c = caches.get(ck);
      if (!c) caches.set(ck, (c = { kind: u.kind, root: u.root, bytes: 0, files: 0, byLayer: new Map() }));
      c.bytes += u.bytes;
      c.files += u.files;
      c.byLayer.set(u.layer, (c.byLayer.get(u.layer) ?? 0) + u.bytes);
      if (u.module) {
        const m = modules.get(u.module);
        if (!m) modules.set(u.module, { key: u.module, bytes: u.bytes, layer: u.layer, root: u.root });
        else {
          m.bytes += u.bytes;
          m.layer = Math.min(m.layer, u.layer);
        }
        if (u.zipHash) zipHashes.push({ key: u.module, hash: u.zipHash, layer: u.layer, root: u.root });
      }
    }
  });
  return {
    deletions,
    final: {
      caches: [...caches.values()].filter((c) => c.files > 0).sort((a, b) => (a.root < b.root ? -1 : 1)),
      modules: [...modules.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
      zipHashes,
      goSums: goSums.sort((a, b) => (a.path < b.path ? -1 : 1)),
    },
  };
}

function joinPath(root: string, rel: string): string {
  return root === '/' ? `/${rel}` : `${root}/${rel}`;
}

function parts(abs: string): string[] {
  return abs.split('/').filter((p) => p !== '');
}

function find(top: TrieNode, abs: string): TrieNode | undefined {
  let n: TrieNode | undefined = top;
  for (const p of parts(abs)) {
    n = n.children?.get(p);
    if (!n) return undefined;
  }
  return n;
}

function ensure(top: TrieNode, abs: string): TrieNode {
  let n = top;
  for (const p of parts(abs)) {
    let c = n.children?.get(p);
    if (!c) {
      c = {};
      (n.children ??= new Map()).set(p, c);
    }
    n = c;
  }
  return n;
}

function detach(top: TrieNode, abs: string): TrieNode | undefined {
  const ps = parts(abs);
  const last = ps.pop();
  if (last === undefined) return undefined;
  const parent = find(top, `/${ps.join('/')}`);
  const node = parent?.children?.get(last);
  if (!node) return undefined;
  parent!.children!.delete(last);
  return node;
}

function walk(n: TrieNode, fn: (n: TrieNode) => void): void {
  const stack = [n];
  while (stack.length) {
    const x = stack.pop()!;
    fn(x);
    if (x.children) for (const c of x.children.values()) stack.push(c);
  }
}

function forEachUnit(n: TrieNode, fn: (u: TrackedUnit) => void): void {
  walk(n, (x) => x.units?.forEach(fn));
}

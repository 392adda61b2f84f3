import type { FindingKind, ImageFinding, LayerReport, Severity } from '../analysisTypes.js';
import type { ActiveGoPaths } from './goPaths.js';
import { humanBytes } from './humanBytes.js';
import { insecureGoEnv } from './insecureEnv.js';
import type { StackResult } from './stack.js';

/** What the finding rules look at: plain data, computed before any rule runs. */
export interface FindingContext {
  layers: LayerReport[];
  stack: StackResult;
  env: Map<string, string>;
  /** The image's effective GOMODCACHE / GOCACHE (from Env, User and the defaults). */
  goPaths: ActiveGoPaths;
}

/** One finding kind: its stable name, what it means, and a check over the analysis data. */
export interface FindingRule {
  kind: FindingKind;
  description: string;
  evaluate(ctx: FindingContext): ImageFinding[];
}

function layerLabel(ctx: FindingContext, i: number): string {
  const cmd = ctx.layers[i]?.createdBy ?? '';
  const short = cmd.length > 60 ? `${cmd.slice(0, 57)}...` : cmd;
  return short ? `layer #${i} (${short})` : `layer #${i}`;
}

function cacheInImage(
  kind: 'module-cache' | 'build-cache',
  findingKind: FindingKind,
  what: string,
): FindingRule {
  return {
    kind: findingKind,
    description: `The final image's filesystem holds Go ${what} content`,
    evaluate(ctx) {
      const caches = ctx.stack.final.caches.filter((c) => c.kind === kind);
      if (caches.length === 0) return [];
      const byLayer = new Map<number, number>();
      for (const c of caches) for (const [l, b] of c.byLayer) byLayer.set(l, (byLayer.get(l) ?? 0) + b);
      const top = [...byLayer].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
      const bytes = caches.reduce((s, c) => s + c.bytes, 0);
      const active = kind === 'module-cache' ? ctx.goPaths.gomodcache : ctx.goPaths.gocache;
      const name = kind === 'module-cache' ? 'GOMODCACHE' : 'GOCACHE';
      const roots = caches.map((c) => (c.root === active ? `${c.root} (its ${name})` : c.root)).join(', ');
      const modules = kind === 'module-cache' ? ctx.stack.final.modules.map((m) => m.key) : undefined;
      const fix =
        kind === 'module-cache'
          ? 'use a cache mount for the module cache or copy only the binary into a final stage'
          : 'use a cache mount for the build cache or copy only the binary into a final stage';
      return [
        {
          kind: findingKind,
          severity: 'error',
          layerIndex: top,
          message:
            `The image ships ${humanBytes(bytes)} of Go ${what}` +
            (modules ? `, ${modules.length} module${modules.length === 1 ? '' : 's'},` : '') +
            ` in ${roots}, mostly from ${layerLabel(ctx, top)}: ${fix}`,
          ...(modules ? { modules } : {}),
        },
      ];
    },
  };
}

const cacheDeletedLater: FindingRule = {
  kind: 'cache-deleted-later',
  description: 'Go cache written in one layer and deleted in a later one: the bytes still ship',
  evaluate(ctx) {
    const out: ImageFinding[] = [];
    ctx.stack.deletions.forEach((d, i) => {
      if (d.bytes <= 0 && d.files <= 0) return;
      const from = [...d.fromLayers.keys()].sort((a, b) => a - b).map((l) => `#${l}`);
      out.push({
        kind: 'cache-deleted-later',
        severity: 'warning',
        layerIndex: i,
        message:
          `${capital(layerLabel(ctx, i))} deletes ${humanBytes(d.bytes)} of Go cache written by ` +
          `layer${from.length === 1 ? '' : 's'} ${from.join(', ')}; deleting in a later layer does not ` +
          'shrink the image: clean up in the same RUN or use cache mounts',
      });
    });
    return out;
  },
};

const foreignModules: FindingRule = {
  kind: 'foreign-modules',
  description: 'Modules in a module cache that no go.sum in the image refers to',
  evaluate(ctx) {
    const sums = ctx.stack.final.goSums;
    // A Go toolchain's own go.sum (GOROOT/src, GOROOT/src/cmd) says nothing about the project's modules.
    if (!sums.some((g) => !isToolchainGoSum(g.path)) || ctx.stack.final.modules.length === 0) return [];
    const referenced = new Set<string>();
    for (const g of sums) {
      for (const [mod, ver] of g.lines) referenced.add(`${mod}@${ver.replace(/\/go\.mod$/, '')}`);
    }
    const byLayer = new Map<number, string[]>();
    for (const m of ctx.stack.final.modules) {
      if (referenced.has(m.key)) continue;
      const list = byLayer.get(m.layer) ?? [];
      list.push(m.key);
      byLayer.set(m.layer, list);
    }
    return [...byLayer]
      .sort((a, b) => a[0] - b[0])
      .map(([layer, modules]) => ({
        kind: 'foreign-modules' as const,
        severity: 'warning' as Severity,
        layerIndex: layer,
        message:
          `${modules.length} cached module${modules.length === 1 ? '' : 's'} from ${layerLabel(ctx, layer)} ` +
          `${modules.length === 1 ? 'is' : 'are'} in no go.sum of the image (${preview(modules)}): ` +
          'a module cache reused across builds or inherited from a base image',
        modules,
      }));
  },
};

const checksumMismatch: FindingRule = {
  kind: 'checksum-mismatch',
  description:
    "A cached .ziphash disagrees with the image's go.sum: the next go build fails with checksum mismatch",
  evaluate(ctx) {
    const want = new Map<string, { hash: string; path: string }[]>();
    for (const g of ctx.stack.final.goSums) {
      for (const [mod, ver, hash] of g.lines) {
        if (ver.endsWith('/go.mod')) continue;
        const k = `${mod}@${ver}`;
        const list = want.get(k) ?? [];
        list.push({ hash, path: g.path });
        want.set(k, list);
      }
    }
    const byLayer = new Map<number, { modules: string[]; detail: string }>();
    for (const z of ctx.stack.final.zipHashes) {
      const bad = (want.get(z.key) ?? []).find((w) => w.hash !== z.hash);
      if (!bad) continue;
      const entry = byLayer.get(z.layer) ?? { modules: [], detail: '' };
      if (!entry.modules.includes(z.key)) entry.modules.push(z.key);
      entry.detail ||= `${z.key}: cached ${z.hash} but ${bad.path} has ${bad.hash}`;
      byLayer.set(z.layer, entry);
    }
    return [...byLayer]
      .sort((a, b) => a[0] - b[0])
      .map(([layer, e]) => ({
        kind: 'checksum-mismatch' as const,
        severity: 'error' as Severity,
        layerIndex: layer,
        message:
          `${e.modules.length} cached module${e.modules.length === 1 ? '' : 's'} in ${layerLabel(ctx, layer)} ` +
          `disagree${e.modules.length === 1 ? 's' : ''} with go.sum (${e.detail}); the next go build using ` +
          'this cache fails with "checksum mismatch": clear the module cache',
        modules: e.modules.sort(),
      }));
  },
};

const insecureEnvRule: FindingRule = {
  kind: 'insecure-go-env',
  description:
    'The image config weakens Go module verification (GOSUMDB=off, GOINSECURE, -insecure, wide GONOSUMDB)',
  evaluate(ctx) {
    const r = insecureGoEnv(ctx.env);
    if (!r) return [];
    return [
      {
        kind: 'insecure-go-env',
        severity: r.severe ? 'error' : 'warning',
        layerIndex: -1,
        message:
          `The image config sets ${r.env.join(' ')}: ${r.reasons.join('; ')}; ` +
          'scope exceptions with GOPRIVATE/GONOSUMDB=<your private prefix> instead',
        env: r.env,
      },
    ];
  },
};

/** Every finding rule, in report order. */
export const FINDING_RULES: readonly FindingRule[] = [
  checksumMismatch,
  cacheInImage('module-cache', 'module-cache-in-image', 'module cache'),
  cacheInImage('build-cache', 'build-cache-in-image', 'build cache'),
  cacheDeletedLater,
  foreignModules,
  insecureEnvRule,
];

export function deriveFindings(ctx: FindingContext): ImageFinding[] {
  return FINDING_RULES.flatMap((r) => r.evaluate(ctx));
}

/** `/usr/local/go/src/go.sum`, `/usr/lib/go-1.19/src/cmd/go.sum`: part of a Go installation. */
export function isToolchainGoSum(path: string): boolean {
  return /\/go[^/]*\/src(\/cmd)?\/go\.sum$/.test(path);
}

function preview(items: string[]): string {
  return items.length <= 3
    ? items.join(', ')
    : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

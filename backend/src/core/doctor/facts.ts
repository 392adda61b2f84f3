import { expandVars } from './env.js';
import {
  chainInstrs,
  isRun,
  stageChain,
  type CommandInfo,
  type DockerfileModel,
  type Mount,
  type RunInstr,
  type Stage,
} from './model.js';
import { normalizePath, pathContains, resolvePath } from './paths.js';
import type { Word } from './shell.js';

/** What the commands of RUN instructions do with Go: go invocations, opaque builds, cleanups, installs. */

export type CacheKind = 'mod' | 'build';

export interface GoCall {
  run: RunInstr;
  info: CommandInfo;
  /** `build`, `install`, `test`, `mod download`, `clean`, … */
  sub: string;
  goWord: Word;
  /** Words after the subcommand. */
  args: Word[];
  /** Flags by name without dashes (`o`, `mod`, `ldflags`); value undefined for boolean flags. */
  flags: Map<string, { value?: string; word: Word }>;
  /** Non-flag arguments (packages, `pkg@version`). */
  packages: Word[];
}

const VALUE_FLAGS = new Set([
  'o',
  'C',
  'p',
  'mod',
  'modfile',
  'ldflags',
  'gcflags',
  'asmflags',
  'gccgoflags',
  'tags',
  'toolexec',
  'buildmode',
  'compiler',
  'installsuffix',
  'pkgdir',
  'overlay',
  'pgo',
  'covermode',
  'coverpkg',
  'exec',
  'run',
  'bench',
  'count',
  'timeout',
  'cpu',
  'parallel',
  'benchtime',
  'coverprofile',
  'cpuprofile',
  'memprofile',
  'blockprofile',
  'outputdir',
  'skip',
  'shuffle',
  'fuzz',
  'fuzztime',
  'vettool',
  'reuse',
]);

const MOD_USERS = new Set([
  'build',
  'install',
  'test',
  'run',
  'vet',
  'get',
  'list',
  'generate',
  'mod download',
  'mod tidy',
  'mod vendor',
  'mod verify',
  'mod graph',
  'mod why',
  'work sync',
]);
const BUILD_USERS = new Set(['build', 'install', 'test', 'run', 'vet']);

export function isGoWord(w: Word | undefined): boolean {
  if (!w) return false;
  return w.value === 'go' || /\/go$/.test(w.value) || /^go1\.\d+(\.\d+)?$/.test(w.value);
}

const goCallsMemo = new WeakMap<RunInstr, GoCall[]>();
const cleanupsMemo = new WeakMap<RunInstr, Cleanup[]>();
const toolchainMemo = new WeakMap<Stage, boolean>();

export function goCalls(run: RunInstr): GoCall[] {
  let memo = goCallsMemo.get(run);
  if (!memo) goCallsMemo.set(run, (memo = readGoCalls(run)));
  return memo;
}

function readGoCalls(run: RunInstr): GoCall[] {
  const out: GoCall[] = [];
  for (const info of run.commands) {
    const argv = info.cmd.argv;
    if (!isGoWord(argv[0])) continue;
    let k = 1;
    // Global flag -C dir (Go 1.20+).
    while (argv[k] && argv[k]!.value.startsWith('-')) k += argv[k]!.value === '-C' ? 2 : 1;
    const first = argv[k];
    if (!first) continue;
    let sub = first.value;
    k++;
    if ((sub === 'mod' || sub === 'work' || sub === 'tool') && argv[k]) {
      sub = `${sub} ${argv[k]!.value}`;
      k++;
    }
    const args = argv.slice(k);
    const flags = new Map<string, { value?: string; word: Word }>();
    const packages: Word[] = [];
    for (let j = 0; j < args.length; j++) {
      const w = args[j]!;
      if (w.value === '--') {
        packages.push(...args.slice(j + 1));
        break;
      }
      if (w.value.startsWith('-') && w.value.length > 1) {
        const body = w.value.replace(/^--?/, '');
        const eq = body.indexOf('=');
        if (eq >= 0) flags.set(body.slice(0, eq), { value: body.slice(eq + 1), word: w });
        else if (VALUE_FLAGS.has(body) && args[j + 1]) {
          flags.set(body, { value: args[j + 1]!.value, word: w });
          j++;
        } else flags.set(body, { word: w });
        continue;
      }
      // `go run` passes everything after the package to the program.
      packages.push(w);
      if (sub === 'run') break;
    }
    out.push({ run, info, sub, goWord: argv[0]!, args, flags, packages });
  }
  return out;
}

/** -mod=vendor on the command or in GOFLAGS. */
export function vendorMode(call: GoCall): boolean {
  if (call.flags.get('mod')?.value === 'vendor') return true;
  const goflags = call.info.env.get('GOFLAGS') ?? '';
  return /(^|\s)-mod=vendor(\s|$)/.test(goflags);
}

export function usesCache(call: GoCall, kind: CacheKind): boolean {
  if (kind === 'mod') {
    if (!MOD_USERS.has(call.sub)) return false;
    // GOPATH mode reads GOPATH/src, not the module cache.
    if ((call.info.env.get('GO111MODULE') ?? '').toLowerCase() === 'off') return false;
    return !(
      vendorMode(call) &&
      call.sub !== 'mod download' &&
      call.sub !== 'mod vendor' &&
      call.sub !== 'mod tidy'
    );
  }
  return BUILD_USERS.has(call.sub);
}

/** A command that downloads modules (needs go.mod and go.sum). */
export function downloadsModules(call: GoCall): boolean {
  return usesCache(call, 'mod');
}

export function producesBinary(call: GoCall): boolean {
  return call.sub === 'build' || call.sub === 'install';
}

/** Effective environment value of the command. */
export function envOf(call: { info: CommandInfo }, name: string): string | null | undefined {
  return call.info.env.get(name);
}

export interface BuildOutput {
  call: GoCall;
  /** Absolute path of the produced executable when known. */
  path?: string;
  /** Directory the executable goes to when its name is not known. */
  dir?: string;
}

/** Where `go build` / `go install` put their executables. */
export function buildOutputs(call: GoCall): BuildOutput[] {
  const cwd = call.info.cwd;
  if (call.sub === 'build') {
    const o = call.flags.get('o')?.value;
    if (o !== undefined) {
      const v = expandVars(o, call.info.env, call.info.go);
      if (v === null) return [];
      if (v.endsWith('/')) return [{ call, dir: resolvePath(cwd, v) }];
      return [{ call, path: resolvePath(cwd, v) }];
    }
    return [{ call, dir: cwd }];
  }
  if (call.sub === 'install') {
    const gobin = call.info.env.get('GOBIN');
    const dir = gobin ? normalizePath(gobin) : call.info.go.gopath ? `${call.info.go.gopath}/bin` : undefined;
    if (!dir) return [];
    const pkgs = call.packages.length > 0 ? call.packages : [];
    if (pkgs.length === 0) return [{ call, dir }];
    return pkgs.map((p) => {
      const name = installName(p.value);
      return name ? { call, path: `${dir}/${name}` } : { call, dir };
    });
  }
  return [];
}

function installName(pkg: string): string | undefined {
  const path = pkg.split('@')[0]!.replace(/\/\.\.\.$/, '');
  if (path === '.' || path === '' || path.includes('...')) return undefined;
  const parts = path.split('/').filter((p) => p !== '.' && p !== '');
  let last = parts[parts.length - 1];
  if (last && /^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2];
  return last;
}

/** True when the executable at `path` may come from this output. */
export function outputMatches(out: BuildOutput, path: string): boolean {
  if (out.path) return normalizePath(out.path) === normalizePath(path);
  if (out.dir)
    return (
      normalizePath(path).startsWith(`${normalizePath(out.dir)}/`) &&
      !path.slice(out.dir.length + 1).includes('/')
    );
  return false;
}

const OPAQUE_TOOLS = new Set([
  'make',
  'gmake',
  'mage',
  'task',
  'just',
  'goreleaser',
  'ko',
  'bazel',
  'bazelisk',
]);

/** A build through make, mage or a script: a Go build whose flags cannot be seen. */
export function opaqueBuilds(run: RunInstr): CommandInfo[] {
  return run.commands.filter((c) => {
    const a = c.cmd.argv;
    const name = a[0]?.value;
    if (!name) return false;
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (OPAQUE_TOOLS.has(base)) return true;
    if (/\.(sh|bash)$/.test(name) && name !== '/bin/sh') return true;
    if (['sh', 'bash', '/bin/sh', '/bin/bash'].includes(name) && a[1] && /\.(sh|bash)$/.test(a[1].value))
      return true;
    return false;
  });
}

/** Packages installed by apk/apt/yum/dnf in this RUN. */
export function installedPackages(run: RunInstr): string[] {
  const out: string[] = [];
  for (const c of run.commands) {
    const a = c.cmd.argv.map((w) => w.value);
    const tool = a[0];
    let i = -1;
    if (tool === 'apk') i = a.indexOf('add');
    else if (tool === 'apt-get' || tool === 'apt' || tool === 'yum' || tool === 'dnf' || tool === 'microdnf')
      i = a.indexOf('install');
    if (i < 0) continue;
    out.push(
      ...a
        .slice(i + 1)
        .filter((x) => !x.startsWith('-'))
        .map((x) => x.split('=')[0]!),
    );
  }
  return out;
}

const GO_PACKAGES = /^(go|golang|golang-go|golang-\d+(\.\d+)?(-go)?)$/;
const CC_PACKAGES = new Set([
  'gcc',
  'build-base',
  'build-essential',
  'musl-dev',
  'g++',
  'clang',
  'libc6-dev',
  'gcc-c++',
]);

/** The stage (through its chain) is a Go toolchain: golang base or Go installed by a package manager. */
export function isToolchainStage(stage: Stage): boolean {
  let memo = toolchainMemo.get(stage);
  if (memo === undefined) {
    memo =
      stage.base.toolchain ||
      chainInstrs(stage).some((i) => isRun(i) && installedPackages(i).some((p) => GO_PACKAGES.test(p)));
    toolchainMemo.set(stage, memo);
  }
  return memo;
}

/** A C compiler is available in the stage: Debian golang images, or installed. */
export function hasCCompiler(stage: Stage): boolean {
  if (stage.base.gcc) return true;
  return chainInstrs(stage).some((i) => isRun(i) && installedPackages(i).some((p) => CC_PACKAGES.has(p)));
}

// ---------------------------------------------------------------------------------------------------
// Mounts and cache coverage

/** Mounts of the RUN whose target contains `path` (any type: their content never reaches the image). */
export function mountsCovering(run: RunInstr, path: string, type?: string): Mount[] {
  return run.mounts.filter((m) => m.target && pathContains(m.target, path) && (!type || m.type === type));
}

/** Cache mounts that sit below the cache root: they cover only part of it (e.g. `/go/pkg/mod/cache`). */
export function partialCacheMounts(run: RunInstr, path: string): Mount[] {
  return run.mounts.filter(
    (m) =>
      m.type === 'cache' &&
      m.target &&
      pathContains(path, m.target) &&
      normalizePath(m.target) !== normalizePath(path),
  );
}

export function cachePath(info: CommandInfo, kind: CacheKind): string | undefined {
  return kind === 'mod' ? info.go.gomodcache : info.go.gocache;
}

// ---------------------------------------------------------------------------------------------------
// Cleanups

export interface Cleanup {
  run: RunInstr;
  info: CommandInfo;
  kind: CacheKind;
  via: 'go-clean' | 'rm';
  /** The word naming what is removed (a path, or the `-modcache`/`-cache` flag). */
  word: Word;
  /** Resolved path removed by rm. */
  path?: string;
  /** Removes the whole effective cache. */
  covers: boolean;
  /** Removes only part of it. */
  partial: boolean;
  /** Looks like a Go cache path but is not where this step's cache is. */
  wrongPath?: { expected: string };
}

const RM_RECURSIVE = /^-(?:[a-zA-Z]*[rR][a-zA-Z]*)$|^--recursive$/;

function modLike(p: string): boolean {
  return /\/pkg\/mod(\/cache(\/download)?)?$/.test(p);
}
function buildLike(p: string): boolean {
  return /\/go-build$/.test(p) || /\/\.cache$/.test(p);
}

export function cleanups(run: RunInstr): Cleanup[] {
  let memo = cleanupsMemo.get(run);
  if (!memo) cleanupsMemo.set(run, (memo = readCleanups(run)));
  return memo;
}

function readCleanups(run: RunInstr): Cleanup[] {
  const out: Cleanup[] = [];
  for (const info of run.commands) {
    const argv = info.cmd.argv;
    if (argv.length === 0) continue;
    if (isGoWord(argv[0]) && argv[1]?.value === 'clean') {
      for (const w of argv.slice(2)) {
        const f = w.value.replace(/^--?/, '');
        if (f === 'modcache')
          out.push({ run, info, kind: 'mod', via: 'go-clean', word: w, covers: true, partial: false });
        if (f === 'cache')
          out.push({ run, info, kind: 'build', via: 'go-clean', word: w, covers: true, partial: false });
      }
      continue;
    }
    if (argv[0]!.value !== 'rm') continue;
    const opts = argv.slice(1).filter((w) => w.value.startsWith('-'));
    if (!opts.some((w) => RM_RECURSIVE.test(w.value))) continue;
    for (const w of argv.slice(1)) {
      if (w.value.startsWith('-')) continue;
      const expanded = expandVars(w.value, info.env, info.go);
      if (expanded === null || expanded === '') continue;
      const stripped = expanded.replace(/\/\*$/, '').replace(/\/+$/, '') || '/';
      if (!stripped.startsWith('/') && !info.cwd) continue;
      const path = resolvePath(info.cwd, stripped);
      let matched = false;
      for (const kind of ['mod', 'build'] as const) {
        const cache = cachePath(info, kind);
        if (!cache) continue;
        if (pathContains(path, cache)) {
          out.push({ run, info, kind, via: 'rm', word: w, path, covers: true, partial: false });
          matched = true;
        } else if (pathContains(cache, path)) {
          out.push({ run, info, kind, via: 'rm', word: w, path, covers: false, partial: true });
          matched = true;
        }
      }
      if (matched) continue;
      if (modLike(path) && info.go.gomodcache) {
        out.push({
          run,
          info,
          kind: 'mod',
          via: 'rm',
          word: w,
          path,
          covers: false,
          partial: false,
          wrongPath: { expected: info.go.gomodcache },
        });
      } else if (buildLike(path) && info.go.gocache) {
        out.push({
          run,
          info,
          kind: 'build',
          via: 'rm',
          word: w,
          path,
          covers: false,
          partial: false,
          wrongPath: { expected: info.go.gocache },
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Which RUNs leave Go cache content in the image

export interface CacheUse {
  run: RunInstr;
  info: CommandInfo;
  kind: CacheKind;
  /** The effective cache root of that command. */
  path: string;
  call?: GoCall;
  /** Opaque build (make, scripts): a Go build whose flags cannot be seen. */
  opaque: boolean;
}

/** Commands of the RUN that read or write the Go cache of `kind`. */
export function cacheUses(run: RunInstr, kind: CacheKind): CacheUse[] {
  const out: CacheUse[] = [];
  for (const call of goCalls(run)) {
    if (!usesCache(call, kind)) continue;
    const path = cachePath(call.info, kind);
    if (path) out.push({ run, info: call.info, kind, path, call, opaque: false });
  }
  const stage = run.stage;
  if (stage && isToolchainStage(stage)) {
    for (const info of opaqueBuilds(run)) {
      const path = cachePath(info, kind);
      if (path) out.push({ run, info, kind, path, opaque: true });
    }
  }
  return out;
}

/** The RUN writes cache content of `kind` into its layer (used without a mount, not removed in it). */
export function fillsCache(run: RunInstr, kind: CacheKind): boolean {
  const uses = cacheUses(run, kind).filter((u) => mountsCovering(run, u.path).length === 0);
  if (uses.length === 0) return false;
  const cleaned = cleanups(run).filter((c) => c.kind === kind && c.covers);
  const lastUse = Math.max(...uses.map((u) => u.info.cmd.start));
  return !cleaned.some((c) => c.info.cmd.start > lastUse);
}

/** RUNs of the stage chain (in order) that leave cache of `kind` in the stage's filesystem at its end. */
export function cacheFillers(stage: Stage, kind: CacheKind): RunInstr[] {
  let fillers: RunInstr[] = [];
  for (const s of stageChain(stage)) {
    for (const i of s.instrs) {
      if (!isRun(i)) continue;
      if (fillsCache(i, kind)) fillers.push(i);
      else if (fillers.length > 0 && cleanups(i).some((c) => c.kind === kind && c.covers)) fillers = [];
    }
  }
  return fillers;
}

/** Every RUN instruction of the file. */
export function allRuns(model: DockerfileModel): RunInstr[] {
  return model.instrs.filter(isRun);
}

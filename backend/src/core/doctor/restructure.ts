import type { Env } from 'dockerfile-ast';
import type { TextEdit } from './applyEdits.js';
import { cgoOffEdits, producerStatic, producersOf, type Producer } from './cgo.js';
import { attachedCommentStart, deleteInstrLines, instrText } from './edits.js';
import {
  buildOutputs,
  goCalls,
  installedPackages,
  isGoWord,
  outputMatches,
  producesBinary,
} from './facts.js';
import { DEFAULT_PATH, imageLibc, parseImageRef, type Libc } from './images.js';
import {
  chainInstrs,
  finalStage,
  isCmd,
  isCopy,
  isRun,
  keyword,
  type CmdInstr,
  type CopyInstr,
  type DockerfileModel,
  type ExecLike,
  type Instr,
  type Stage,
} from './model.js';
import { basename, dirname, normalizePath, pathContains, resolvePath } from './paths.js';

/**
 * The single-stage -> build + runtime rewrite used by `toolchain-in-final-image`. Two shapes:
 *
 * - append: the final stage builds the program. It becomes the build stage (named if needed) and a new
 *   runtime stage is appended: runtime image, the working directory and the program's (non-Go)
 *   environment, the executable copied from the build stage, files that were copied for the runtime,
 *   and the final stage's runtime settings (EXPOSE, LABEL, USER, ENTRYPOINT/CMD in exec form).
 * - swap: the final stage only copies a binary from an earlier stage onto a Go toolchain image: its base
 *   is replaced by the runtime image.
 *
 * Either way the executable the image starts is located (ENTRYPOINT/CMD, through PATH if needed) and must
 * come from a go build/install this file shows; otherwise the rewrite is refused with a reason rather
 * than guessed. cgo is turned off for that build when the runtime image has no compatible C library.
 */

export type RewriteResult =
  | { ok: true; mode: 'append' | 'swap'; edits: TextEdit[]; executable: string }
  | { ok: false; reason: string };

/** Environment that only matters for building Go, not for running the program. */
const BUILD_ENV = new Set([
  'GOPATH',
  'GOROOT',
  'GOCACHE',
  'GOMODCACHE',
  'GOFLAGS',
  'GOOS',
  'GOARCH',
  'GOARM',
  'GOAMD64',
  'GOARM64',
  'GO386',
  'GOPROXY',
  'GOSUMDB',
  'GOPRIVATE',
  'GONOSUMDB',
  'GONOPROXY',
  'GOINSECURE',
  'GONOSUMCHECK',
  'GOTOOLCHAIN',
  'GO111MODULE',
  'GOBIN',
  'GOEXPERIMENT',
  'GOWORK',
  'GOENV',
  'GOTMPDIR',
  'GOVCS',
  'GOLANG_VERSION',
  'CGO_ENABLED',
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_LDFLAGS',
  'CC',
  'CXX',
  'PATH',
  'HOME',
  'XDG_CACHE_HOME',
  'DEBIAN_FRONTEND',
]);

const MOVED = new Set(['CMD', 'ENTRYPOINT', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'VOLUME', 'MAINTAINER']);

const BUILD_COMMANDS = new Set([
  'go',
  'cd',
  'set',
  'export',
  'true',
  ':',
  'echo',
  'ls',
  'rm',
  'git',
  'pwd',
  'env',
  'printenv',
  'test',
  '[',
  'which',
]);
const BUILD_PACKAGES = new Set([
  'git',
  'gcc',
  'g++',
  'make',
  'musl-dev',
  'build-base',
  'build-essential',
  'libc6-dev',
  'ca-certificates',
  'pkgconfig',
  'pkg-config',
  'binutils',
  'upx',
  'openssh-client',
  'go',
  'golang',
  'golang-go',
]);

export function runtimeStageRewrite(model: DockerfileModel, runtimeImage: string): RewriteResult {
  const final = finalStage(model);
  const chain = chainInstrs(final);
  const swap = !final.parent && !final.instrs.some(isRun);
  return swap ? swapBase(model, final, runtimeImage) : appendRuntime(model, final, chain, runtimeImage);
}

interface Entry {
  entrypoint?: CmdInstr;
  cmd?: CmdInstr;
  /** The instruction whose first word is the executable. */
  main: CmdInstr;
  exe: string;
}

function effectiveEntry(chain: Instr[]): Entry | string {
  const entrypoint = [...chain].reverse().find((i): i is CmdInstr => isCmd(i) && i.keyword === 'ENTRYPOINT');
  const cmd = [...chain].reverse().find((i): i is CmdInstr => isCmd(i) && i.keyword === 'CMD');
  const main = entrypoint && entrypoint.command.words.length > 0 ? entrypoint : cmd;
  if (!main || main.command.words.length === 0)
    return 'it has no CMD or ENTRYPOINT, so the program it runs is unknown';
  if (entrypoint && !entrypoint.command.exec && cmd)
    return 'its shell-form ENTRYPOINT ignores CMD; write both in exec form first';
  for (const c of [entrypoint, cmd]) {
    if (c && !toExecForm(c.command))
      return `line ${c.line}: ${c.keyword} needs a shell (the runtime image has none)`;
  }
  const exe = main.command.words[0]!.value;
  if (isGoWord(main.command.words[0])) return `line ${main.line}: it runs the go command itself`;
  return { ...(entrypoint ? { entrypoint } : {}), ...(cmd ? { cmd } : {}), main, exe };
}

/** Exec-form words of a CMD/ENTRYPOINT; null when the shell form uses shell features. */
export function toExecForm(c: ExecLike): string[] | null {
  if (c.exec) return c.words.map((w) => w.value);
  if (!c.shellText || /[$`&|;<>(){}*?~\\\n]/.test(c.shellText)) return null;
  return c.words.map((w) => w.value);
}

function renderExec(model: DockerfileModel, c: CmdInstr): string {
  const words = toExecForm(c.command)!;
  return `${keyword(model, c.keyword)} [${words.map((w) => JSON.stringify(w)).join(', ')}]`;
}

/** Candidate absolute paths of the executable (through PATH for a bare name). */
function exeCandidates(entry: Entry): { path: string; viaPath: boolean }[] {
  if (entry.exe.includes('/')) return [{ path: resolvePath(entry.main.workdir, entry.exe), viaPath: false }];
  const path = entry.main.env.get('PATH') ?? DEFAULT_PATH;
  return path
    .split(':')
    .filter((d) => d.startsWith('/'))
    .map((d) => ({ path: normalizePath(`${d}/${entry.exe}`), viaPath: true }));
}

function needsCgoOff(runtimeLibc: Libc, buildLibc: Libc): boolean {
  if (runtimeLibc === 'none') return true;
  return runtimeLibc !== 'unknown' && buildLibc !== 'unknown' && runtimeLibc !== buildLibc;
}

function pathEnvLine(model: DockerfileModel, exePath: string, viaPath: boolean): string | null {
  if (!viaPath) return null;
  const dir = dirname(exePath);
  if (DEFAULT_PATH.split(':').includes(dir)) return null;
  return `${keyword(model, 'ENV')} PATH=${dir}:${DEFAULT_PATH}`;
}

function cgoEdits(model: DockerfileModel, runtimeImage: string, producers: Producer[]): TextEdit[] {
  const runtimeLibc = imageLibc(parseImageRef(runtimeImage));
  const todo = producers.filter((p) => needsCgoOff(runtimeLibc, p.stage.base.libc) && !producerStatic(p));
  return todo.length > 0 ? cgoOffEdits(model, todo) : [];
}

// ---------------------------------------------------------------------------------------------------

function swapBase(model: DockerfileModel, final: Stage, runtimeImage: string): RewriteResult {
  const entry = effectiveEntry(final.instrs);
  if (typeof entry === 'string') return { ok: false, reason: entry };
  const span = final.from.imageSpan;
  if (!span) return { ok: false, reason: 'the final FROM has no image' };
  let found: { producers: Producer[]; path: string; viaPath: boolean } | undefined;
  for (const cand of exeCandidates(entry)) {
    for (const c of final.instrs.filter(isCopy)) {
      if (!c.fromStage || !c.dest) continue;
      const src = copySourceFor(c, cand.path);
      if (!src) continue;
      const producers = producersOf(c.fromStage, src).filter((p) => p.call);
      if (producers.length > 0) {
        found = { producers, path: cand.path, viaPath: cand.viaPath };
        break;
      }
    }
    if (found) break;
  }
  if (!found)
    return { ok: false, reason: `cannot tell that ${entry.exe} comes from a go build in this file` };
  const edits: TextEdit[] = [{ start: span.start, end: span.end, text: runtimeImage }];
  const pathLine = pathEnvLine(model, found.path, found.viaPath);
  if (pathLine)
    edits.push({
      start: final.fromInstr.end,
      end: final.fromInstr.end,
      text: `${model.source.eol}${pathLine}`,
    });
  for (const c of [entry.entrypoint, entry.cmd]) {
    if (c && !c.command.exec) {
      edits.push({ start: c.start, end: c.end, text: renderExec(model, c) });
    }
  }
  edits.push(...cgoEdits(model, runtimeImage, found.producers));
  return { ok: true, mode: 'swap', edits, executable: found.path };
}

/** The source path inside the other stage that lands at `target`, if this COPY puts it there. */
function copySourceFor(c: CopyInstr, target: string): string | undefined {
  const dest = c.dest!;
  const destDir = dest.resolved.endsWith('/') || c.sources.length > 1;
  for (const s of c.sources) {
    const src = resolvePath('/', s.value);
    if (destDir) {
      const base = normalizePath(dest.resolved);
      if (normalizePath(`${base}/${basename(src)}`) === target) return src;
      // A directory copied into dest: target lies below.
      if (pathContains(base, target)) return normalizePath(`${src}/${target.slice(base.length)}`);
    } else {
      if (normalizePath(dest.resolved) === target) return src;
      if (pathContains(dest.resolved, target))
        return normalizePath(`${src}/${target.slice(normalizePath(dest.resolved).length)}`);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------

/** A RUN in the build stage that may prepare something the program needs at run time. */
function buildOnlyProblem(chain: Instr[], buildDirs: string[]): string | null {
  for (const i of chain) {
    if (i.keyword === 'HEALTHCHECK')
      return `line ${i.line}: HEALTHCHECK usually needs tools the runtime image lacks`;
    if (!isRun(i)) continue;
    if (i.exec && !isGoWord(i.commands[0]?.cmd.argv[0])) return `line ${i.line}: RUN may prepare the runtime`;
    for (const c of i.commands) {
      const name = c.cmd.argv[0]?.value;
      const written = c.cmd.redirects.find(
        (r) => r.op.startsWith('>') && !/^\/dev\//.test(r.target?.value ?? ''),
      );
      if (written)
        return `line ${i.line}: RUN writes ${written.target?.value ?? 'a file'}, which a new runtime stage would not have`;
      if (!name) continue;
      if (name === 'mkdir') {
        const dirs = c.cmd.argv.slice(1).filter((w) => !w.value.startsWith('-'));
        const outside = dirs.find(
          (d) => !buildDirs.some((b) => pathContains(resolvePath(c.cwd, d.value), b)),
        );
        if (outside)
          return `line ${i.line}: mkdir ${outside.value} may prepare the runtime, which a new runtime stage would not have`;
        continue;
      }
      if (BUILD_COMMANDS.has(name) || isGoWord(c.cmd.argv[0])) continue;
      if (['apk', 'apt-get', 'apt', 'yum', 'dnf'].includes(name)) {
        const sub = c.cmd.argv.slice(1).find((w) => !w.value.startsWith('-'))?.value;
        if (sub === 'update' || sub === 'upgrade' || sub === 'clean') continue;
        if (installedPackages({ ...i, commands: [c] }).every((p) => BUILD_PACKAGES.has(p))) continue;
      }
      return `line ${i.line}: "${name}" may prepare the runtime, which a new runtime stage would not have`;
    }
  }
  return null;
}

function uniqueStageName(model: DockerfileModel): string {
  const names = new Set(model.stages.map((s) => s.name).filter(Boolean));
  for (const n of ['build', 'build-app', 'builder', 'gobuild']) if (!names.has(n)) return n;
  let k = 2;
  while (names.has(`build${k}`)) k++;
  return `build${k}`;
}

function envValue(model: DockerfileModel, v: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]*$/.test(v) && v !== '') return v;
  return `"${v.replace(/["$\\`]/g, (ch) => `${model.escape}${ch}`)}"`;
}

function appendRuntime(
  model: DockerfileModel,
  final: Stage,
  chain: Instr[],
  runtimeImage: string,
): RewriteResult {
  const entry = effectiveEntry(chain);
  if (typeof entry === 'string') return { ok: false, reason: entry };
  const calls = chain.filter(isRun).flatMap(goCalls);
  const outputs = calls.filter(producesBinary).flatMap(buildOutputs);
  let match: { path: string; viaPath: boolean; output: (typeof outputs)[number] } | undefined;
  for (const cand of exeCandidates(entry)) {
    const output = outputs.find((o) => outputMatches(o, cand.path));
    if (output) {
      match = { ...cand, output };
      break;
    }
  }
  if (!match)
    return { ok: false, reason: `cannot tell that ${entry.exe} comes from a go build in this file` };
  const buildDirs = [
    ...calls.map((c) => c.info.cwd),
    ...outputs.map((o) => (o.path ? dirname(o.path) : o.dir!)).filter(Boolean),
  ];
  const problem = buildOnlyProblem(chain, buildDirs);
  if (problem) return { ok: false, reason: problem };

  const eol = model.source.eol;
  const alias = final.name ?? uniqueStageName(model);
  const edits: TextEdit[] = [];
  if (!final.name) {
    const at = final.from.imageSpan?.end ?? final.fromInstr.end;
    edits.push({ start: at, end: at, text: ` ${keyword(model, 'AS')} ${alias}` });
  }

  // Files copied for the runtime (outside the trees the go commands build in) travel along.
  const carried: string[] = [];
  for (const c of chain.filter(isCopy)) {
    if (!c.dest || c.heredoc) continue;
    const dest = normalizePath(c.dest.resolved);
    if (calls.some((call) => pathContains(dest, call.info.cwd) || pathContains(call.info.cwd, dest)))
      continue;
    const chown = c.flags.find((f) => f.getName().toLowerCase() === 'chown')?.getValue();
    if (chown && !/^\d+(:\d+)?$/.test(chown)) {
      return {
        ok: false,
        reason: `line ${c.line}: COPY --chown=${chown} names a user the runtime image may not have`,
      };
    }
    carried.push(instrText(model, c, c.line).trim());
  }

  // Runtime settings of the final stage move; those of earlier stages in its chain are repeated.
  const moved = final.instrs.filter((i) => MOVED.has(i.keyword));
  const kept = final.instrs.filter((i) => !MOVED.has(i.keyword));
  const lastKept = kept[kept.length - 1] ?? final.fromInstr;
  const parentMeta = chain.filter((i) => i.stage !== final && MOVED.has(i.keyword) && !isCmd(i));
  const render = (i: Instr): string => {
    const from = attachedCommentStart(model, i);
    const comments = from < i.line ? model.source.text.slice(model.source.lineStart(from), i.start) : '';
    const body = isCmd(i) && !i.command.exec ? renderExec(model, i) : model.source.text.slice(i.start, i.end);
    return comments + body;
  };

  const lines: string[] = [`${keyword(model, 'FROM')} ${runtimeImage}`];
  if (chain.some((i) => i.keyword === 'WORKDIR'))
    lines.push(`${keyword(model, 'WORKDIR')} ${final.endWorkdir}`);
  const envNames: string[] = [];
  for (const i of chain) {
    if (i.keyword !== 'ENV') continue;
    for (const p of (i.node as Env).getProperties()) {
      const n = p.getName();
      if (!BUILD_ENV.has(n) && !envNames.includes(n)) envNames.push(n);
    }
  }
  for (const n of envNames) {
    const v = final.endEnv.get(n);
    if (v !== null && v !== undefined) lines.push(`${keyword(model, 'ENV')} ${n}=${envValue(model, v)}`);
  }
  const pathLine = pathEnvLine(model, match.path, match.viaPath);
  if (pathLine) lines.push(pathLine);
  lines.push(`${keyword(model, 'COPY')} --from=${alias} ${match.path} ${match.path}`);
  lines.push(...carried);
  if (chain.some((i) => i.keyword === 'USER') && final.endUser)
    lines.push(`${keyword(model, 'USER')} ${final.endUser}`);
  for (const i of parentMeta) lines.push(render(i));
  // Effective CMD/ENTRYPOINT inherited from an earlier stage.
  for (const c of [entry.entrypoint, entry.cmd]) {
    if (c && c.stage !== final) lines.push(renderExec(model, c));
  }
  for (const i of moved.filter((m) => m.line < lastKept.line)) {
    edits.push(deleteInstrLines(model, i, attachedCommentStart(model, i)));
    lines.push(render(i));
  }
  // Everything after the last kept instruction (moved settings, comments) becomes the runtime stage's tail.
  const tailStart = lastKept.end;
  let tailText = '';
  let cursor = tailStart;
  for (const t of moved.filter((m) => m.line > lastKept.line)) {
    if (isCmd(t) && !t.command.exec) {
      tailText += model.source.text.slice(cursor, t.start) + renderExec(model, t);
      cursor = t.end;
    }
  }
  tailText = (tailText + model.source.text.slice(cursor)).trim();
  const stageText = [...lines, ...(tailText ? [tailText] : [])].join(eol).replace(/\r?\n/g, eol);
  edits.push({ start: tailStart, end: model.source.text.length, text: `${eol}${eol}${stageText}${eol}` });
  edits.push(
    ...cgoEdits(model, runtimeImage, [
      { stage: match.output.call.run.stage ?? final, call: match.output.call },
    ]),
  );
  return { ok: true, mode: 'append', edits, executable: match.path };
}

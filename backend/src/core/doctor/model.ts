import {
  DockerfileParser,
  Keyword,
  type Arg,
  type Copy,
  type Dockerfile,
  type Env,
  type Flag,
  type From,
  type Instruction,
  type Run,
} from 'dockerfile-ast';
import { LensError } from '../errors.js';
import { expandVars, goPaths, type EnvMap, type GoPaths } from './env.js';
import { imageFacts, type ImageFacts } from './images.js';
import { normalizePath, resolvePath } from './paths.js';
import {
  dockerfileShellText,
  identityText,
  parseShell,
  type MappedText,
  type SimpleCommand,
  type Word,
} from './shell.js';
import { SourceText } from './text.js';

/**
 * The parsed Dockerfile as the rules see it: stages with their base image facts, and every instruction
 * with the environment, user, working directory and Go cache paths in effect before it. RUN
 * instructions carry their mounts and shell commands; COPY/ADD their sources, destination and origin.
 */

export type LocalImageEnv = (image: string) => readonly string[] | undefined;

export interface Span {
  start: number;
  end: number;
}

export interface InstrBase {
  /** Position among all instructions of the file. */
  index: number;
  keyword: string;
  node: Instruction;
  start: number;
  end: number;
  /** One-based, inclusive. */
  line: number;
  endLine: number;
  /** Null for ARGs before the first FROM. */
  stage: Stage | null;
  /** Environment (ENV over ARG) in effect before the instruction. */
  env: EnvMap;
  user: string | undefined;
  workdir: string;
  go: GoPaths;
  /** Offset where the keyword ends. */
  keywordEnd: number;
}

export interface Mount {
  type: string;
  /** Absolute target, resolved against the working directory; undefined when unknown. */
  target?: string;
  targetValue?: Span & { value: string };
  options: Map<string, string>;
  /** Value spans of the options, by lower-case name. */
  optionSpans: Map<string, Span>;
  flag: Span;
}

export interface CommandInfo {
  cmd: SimpleCommand;
  /** Environment for this command: the step's environment, `export`s before it, its own prefix. */
  env: EnvMap;
  cwd: string;
  go: GoPaths;
  /** From a heredoc script (so edits inside are plain shell text). */
  heredoc: boolean;
}

export interface RunInstr extends InstrBase {
  keyword: 'RUN';
  node: Run;
  flags: Flag[];
  mounts: Mount[];
  /** JSON (exec) form. */
  exec: boolean;
  commands: CommandInfo[];
  /** Where a new flag goes (before the first flag, or before the command). */
  flagInsert: number;
}

export interface CopyInstr extends InstrBase {
  keyword: 'COPY' | 'ADD';
  node: Copy;
  flags: Flag[];
  /** Raw `--from` value. */
  from?: string;
  fromStage?: Stage;
  sources: (Span & { value: string })[];
  dest?: Span & { value: string; resolved: string };
  heredoc: boolean;
}

export interface ExecLike {
  exec: boolean;
  /** Words of the command (JSON strings or shell words). */
  words: Word[];
  /** Raw text of the shell form. */
  shellText?: string;
  argsSpan?: Span;
}

export interface CmdInstr extends InstrBase {
  keyword: 'CMD' | 'ENTRYPOINT';
  command: ExecLike;
}

export interface FromInfo {
  /** The image text as written (with `${VAR}`), null when missing. */
  raw: string | null;
  /** After ARG substitution; null when it depends on an ARG without default. */
  image: string | null;
  imageSpan?: Span;
  name?: string;
  nameSpan?: Span;
  platform?: Span & { value: string };
  /** Global ARGs the image text uses. */
  argNames: string[];
}

export type Instr = InstrBase | RunInstr | CopyInstr | CmdInstr;

export interface Stage {
  index: number;
  /** Lower-case stage name. */
  name?: string;
  fromInstr: InstrBase & { node: From };
  from: FromInfo;
  /** Instructions after FROM. */
  instrs: Instr[];
  /** Earlier stage this one is built FROM. */
  parent?: Stage;
  /** Facts of the external image at the root of the FROM chain. */
  base: ImageFacts;
  isFinal: boolean;
  /** State at the end of the stage (inherited by children). */
  endEnv: Map<string, string | null>;
  endUser: string | undefined;
  endWorkdir: string;
}

export interface GlobalArg {
  name: string;
  value: string | null;
  instr: InstrBase;
  node: Arg;
}

export interface DockerfileModel {
  source: SourceText;
  df: Dockerfile;
  escape: string;
  instrs: Instr[];
  stages: Stage[];
  globalArgs: GlobalArg[];
  /** Upper-case keywords unless the file mostly writes them in lower case. */
  lowerKeywords: boolean;
  localImageEnv?: LocalImageEnv;
}

const KEYWORDS = new Set<string>(Object.values(Keyword));

export function isRun(i: Instr): i is RunInstr {
  return i.keyword === 'RUN';
}
export function isCopy(i: Instr): i is CopyInstr {
  return i.keyword === 'COPY' || i.keyword === 'ADD';
}
export function isCmd(i: Instr): i is CmdInstr {
  return i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT';
}

function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  const sample = text.slice(0, 8192);
  let bad = 0;
  for (const ch of sample) {
    const c = ch.charCodeAt(0);
    if (ch === '\uFFFD' || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12)) bad++;
  }
  return sample.length > 0 && bad / sample.length > 0.02;
}

export function parseDockerfile(text: string, localImageEnv?: LocalImageEnv): DockerfileModel {
  if (looksBinary(text)) throw new LensError('bad-input', 'not a Dockerfile: the input is binary');
  if (text.trim() === '') throw new LensError('bad-input', 'empty Dockerfile');
  const source = new SourceText(text);
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter();
  const nodes = df.getInstructions();
  const firstFrom = nodes.findIndex((n) => n.getKeyword() === 'FROM');
  for (const n of nodes) {
    const kw = n.getKeyword();
    const line = n.getRange().start.line + 1;
    if (!KEYWORDS.has(kw)) {
      throw new LensError(
        'bad-input',
        `not a Dockerfile: line ${line}: unknown instruction "${n.getInstruction().slice(0, 40)}"`,
      );
    }
  }
  if (firstFrom < 0) throw new LensError('bad-input', 'not a Dockerfile: no FROM instruction');
  for (const n of nodes.slice(0, firstFrom)) {
    if (n.getKeyword() !== 'ARG') {
      throw new LensError(
        'bad-input',
        `line ${n.getRange().start.line + 1}: ${n.getKeyword()} before the first FROM`,
      );
    }
  }
  const lower = nodes.filter((n) => n.getInstruction() === n.getInstruction().toLowerCase()).length;
  const model: DockerfileModel = {
    source,
    df,
    escape,
    instrs: [],
    stages: [],
    globalArgs: [],
    lowerKeywords: lower * 2 > nodes.length,
    ...(localImageEnv ? { localImageEnv } : {}),
  };
  const globals = new Map<string, string | null>();
  let stage: Stage | null = null;
  let args = new Map<string, string | null>();
  let env = new Map<string, string | null>();
  let user: string | undefined;
  let workdir = '/';

  const effective = (): Map<string, string | null> => {
    const m = new Map(args);
    for (const [k, v] of env) m.set(k, v);
    return m;
  };

  nodes.forEach((node, index) => {
    const kw = node.getKeyword();
    const range = node.getRange();
    const start = source.offsetAt(range.start);
    const end = source.offsetAt(range.end);
    const eff = effective();
    const base: InstrBase = {
      index,
      keyword: kw,
      node,
      start,
      end,
      line: range.start.line + 1,
      endLine: range.end.line + 1,
      stage,
      env: eff,
      user,
      workdir,
      go: goPaths(eff, user),
      keywordEnd: source.offsetAt(node.getInstructionRange().end),
    };
    if (kw === 'FROM') {
      const from = node as From;
      const info = fromInfo(model, from, globals);
      if (!info.raw) throw new LensError('bad-input', `line ${base.line}: FROM without an image`);
      const parent = info.image ? model.stages.find((s) => s.name === info.image!.toLowerCase()) : undefined;
      const facts = parent
        ? parent.base
        : imageFacts(info.image, info.image ? localImageEnv?.(info.image) : undefined);
      if (parent) {
        env = new Map(parent.endEnv);
        user = parent.endUser;
        workdir = parent.endWorkdir;
      } else {
        env = new Map(facts.env);
        user = facts.user;
        workdir = facts.toolchain ? '/go' : '/';
      }
      args = new Map();
      const fromInstr: InstrBase & { node: From } = {
        ...base,
        node: from,
        stage: null,
        env: effective(),
        user,
        workdir,
      };
      stage = {
        index: model.stages.length,
        ...(info.name ? { name: info.name } : {}),
        fromInstr,
        from: info,
        instrs: [],
        ...(parent ? { parent } : {}),
        base: facts,
        isFinal: false,
        endEnv: env,
        endUser: user,
        endWorkdir: workdir,
      };
      fromInstr.stage = stage;
      fromInstr.go = goPaths(fromInstr.env, user);
      model.stages.push(stage);
      model.instrs.push(fromInstr);
      return;
    }
    let instr: Instr = base;
    if (kw === 'ARG') {
      const prop = (node as Arg).getProperty();
      if (prop) {
        const name = prop.getName();
        const raw = prop.getValue();
        if (!stage) {
          const value = raw === null ? null : expandVars(raw, globals);
          globals.set(name, value);
          model.globalArgs.push({ name, value, instr: base, node: node as Arg });
        } else {
          const value = raw === null ? (globals.has(name) ? globals.get(name)! : null) : expandVars(raw, eff);
          args.set(name, value);
        }
      }
    } else if (kw === 'ENV') {
      for (const p of (node as Env).getProperties()) {
        const raw = p.getValue();
        env.set(p.getName(), raw === null ? '' : expandVars(raw, eff));
      }
    } else if (kw === 'USER') {
      const raw = node.getArgumentsContent();
      user = raw ? (expandVars(raw.trim(), eff) ?? raw.trim()) : user;
    } else if (kw === 'WORKDIR') {
      const raw = node.getArgumentsContent();
      if (raw) {
        const v = expandVars(raw.trim(), eff);
        workdir = v === null ? workdir : resolvePath(workdir, v);
      }
    } else if (kw === 'RUN') {
      instr = runInstr(model, base, node as Run);
    } else if (kw === 'COPY' || kw === 'ADD') {
      instr = copyInstr(model, base, node as Copy);
    } else if (kw === 'CMD' || kw === 'ENTRYPOINT') {
      instr = { ...base, keyword: kw, command: execLike(model, node) } as CmdInstr;
    }
    model.instrs.push(instr);
    if (stage) {
      stage.instrs.push(instr);
      stage.endEnv = env;
      stage.endUser = user;
      stage.endWorkdir = workdir;
    }
  });
  const last = model.stages[model.stages.length - 1];
  if (last) last.isFinal = true;
  return model;
}

function span(
  model: DockerfileModel,
  r: { start: { line: number; character: number }; end: { line: number; character: number } },
): Span {
  return { start: model.source.offsetAt(r.start), end: model.source.offsetAt(r.end) };
}

function fromInfo(model: DockerfileModel, from: From, globals: Map<string, string | null>): FromInfo {
  const raw = from.getImage();
  const imageRange = from.getImageRange();
  const argNames = raw ? [...raw.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!) : [];
  const image = raw === null ? null : expandVars(raw, globals);
  const nameRange = from.getBuildStageRange();
  const stageName = from.getBuildStage();
  // getPlatformFlag() only looks at a lone flag; take the platform flag wherever it is.
  const platform = from.getFlags().find((f) => f.getName().toLowerCase() === 'platform');
  const pr = platform?.getValueRange();
  return {
    raw,
    image: image === '' ? null : image,
    ...(imageRange ? { imageSpan: span(model, imageRange) } : {}),
    ...(stageName ? { name: stageName.toLowerCase() } : {}),
    ...(nameRange ? { nameSpan: span(model, nameRange) } : {}),
    ...(platform && pr ? { platform: { ...span(model, pr), value: platform.getValue() ?? '' } } : {}),
    argNames,
  };
}

function parseMount(model: DockerfileModel, flag: Flag, base: InstrBase): Mount {
  const options = new Map<string, string>();
  const optionSpans = new Map<string, Span>();
  let targetValue: Mount['targetValue'];
  for (const o of flag.getOptions()) {
    const name = o.getName().toLowerCase();
    const value = o.getValue() ?? '';
    options.set(name, value);
    const vr = o.getValueRange();
    if (vr) optionSpans.set(name, span(model, vr));
    if ((name === 'target' || name === 'dst' || name === 'destination') && vr) {
      targetValue = { ...span(model, vr), value };
    }
  }
  const targetRaw = options.get('target') ?? options.get('dst') ?? options.get('destination');
  const expanded = targetRaw === undefined ? null : expandVars(targetRaw, base.env);
  return {
    type: (options.get('type') ?? 'bind').toLowerCase(),
    ...(expanded ? { target: resolvePath(base.workdir, expanded) } : {}),
    ...(targetValue ? { targetValue } : {}),
    options,
    optionSpans,
    flag: span(model, flag.getRange()),
  };
}

const SHELLS = new Set([
  'sh',
  'bash',
  'ash',
  'dash',
  'zsh',
  '/bin/sh',
  '/bin/bash',
  '/bin/ash',
  '/bin/dash',
  '/usr/bin/env',
]);

function runInstr(model: DockerfileModel, base: InstrBase, node: Run): RunInstr {
  const flags = node.getFlags();
  const mounts = flags
    .filter((f) => f.getName().toLowerCase() === 'mount')
    .map((f) => parseMount(model, f, base));
  const firstFlag = flags[0];
  const argsFrom = flags.length > 0 ? span(model, flags[flags.length - 1]!.getRange()).end : base.keywordEnd;
  const exec = isJsonForm(node);
  const run: RunInstr = {
    ...base,
    keyword: 'RUN',
    node,
    flags,
    mounts,
    exec,
    commands: [],
    flagInsert: firstFlag ? span(model, firstFlag.getRange()).start : firstArgStart(model, node, base),
  };
  if (exec) {
    const words = node.getJSONStrings().map((j) => {
      const r = span(model, j.getRange());
      return { value: j.getJSONValue(), start: r.start, end: r.end, quoted: true };
    });
    if (words.length > 0) {
      const cmd: SimpleCommand = {
        words,
        assignments: [],
        argv: words,
        start: words[0]!.start,
        end: words[words.length - 1]!.end,
        redirects: [],
        before: { op: 'end', start: words[0]!.start, end: words[0]!.start },
        after: { op: 'end', start: words[words.length - 1]!.end, end: words[words.length - 1]!.end },
      };
      run.commands.push({ cmd, env: base.env, cwd: base.workdir, go: base.go, heredoc: false });
    }
    return run;
  }
  const heredocs = node.getHeredocs();
  let cmdEnd = base.end;
  if (heredocs.length > 0) {
    const firstStart = model.source.offsetAt(heredocs[0]!.getStartRange().start);
    const nl = model.source.text.indexOf('\n', firstStart);
    cmdEnd = nl < 0 ? base.end : Math.min(nl, base.end);
  }
  const state = { env: new Map(base.env), cwd: base.workdir };
  const cmdText = dockerfileShellText(model.source.text, argsFrom, cmdEnd, model.escape);
  const lineCommands = analyseScript(cmdText, state, run, false);
  const scriptHeredoc =
    lineCommands.length === 0 ||
    lineCommands.every((c) => c.cmd.argv.length === 0 || SHELLS.has(c.cmd.argv[0]!.value));
  if (scriptHeredoc) {
    for (const h of heredocs) {
      const cr = h.getContentRange();
      if (!cr) continue;
      const s = span(model, cr);
      analyseScript(identityText(model.source.text.slice(s.start, s.end), s.start), state, run, true);
    }
  }
  return run;
}

function firstArgStart(model: DockerfileModel, node: Instruction, base: InstrBase): number {
  const args = node.getArguments();
  return args[0] ? model.source.offsetAt(args[0].getRange().start) : base.keywordEnd + 1;
}

function isJsonForm(node: Run | Copy | Instruction): boolean {
  const j = node as Run;
  return (
    typeof j.getOpeningBracket === 'function' &&
    j.getOpeningBracket() !== null &&
    j.getClosingBracket() !== null
  );
}

/** Walks the commands of a script, tracking `export`, plain assignments and `cd`. */
function analyseScript(
  mt: MappedText,
  state: { env: Map<string, string | null>; cwd: string },
  run: RunInstr,
  heredoc: boolean,
): CommandInfo[] {
  const out: CommandInfo[] = [];
  for (const cmd of parseShell(mt)) {
    const env = new Map(state.env);
    for (const a of cmd.assignments) env.set(a.name, expandVars(a.value, state.env));
    const go = goPaths(env, run.user);
    const info: CommandInfo = { cmd, env, cwd: state.cwd, go, heredoc };
    out.push(info);
    run.commands.push(info);
    const argv = cmd.argv;
    if (argv.length === 0) {
      for (const a of cmd.assignments) state.env.set(a.name, expandVars(a.value, state.env));
      continue;
    }
    const name = argv[0]!.value;
    if (name === 'export') {
      for (const w of argv.slice(1)) {
        const i = w.value.indexOf('=');
        if (i > 0) state.env.set(w.value.slice(0, i), expandVars(w.value.slice(i + 1), state.env));
      }
    } else if (name === 'cd' && argv[1]) {
      const target = expandVars(argv[1].value, state.env);
      if (target !== null && target !== '-') state.cwd = resolvePath(state.cwd, target);
    }
  }
  return out;
}

function copyInstr(model: DockerfileModel, base: InstrBase, node: Copy): CopyInstr {
  const flags = node.getFlags();
  const fromFlag = flags.find((f) => f.getName().toLowerCase() === 'from');
  const from = fromFlag?.getValue() ?? undefined;
  let fromStage: Stage | undefined;
  if (from !== undefined) {
    const key = (expandVars(from, base.env) ?? from).toLowerCase();
    fromStage = /^\d+$/.test(key) ? model.stages[Number(key)] : model.stages.find((s) => s.name === key);
  }
  const heredoc = typeof node.getHeredocs === 'function' && node.getHeredocs().length > 0;
  let parts: (Span & { value: string })[];
  if (isJsonForm(node)) {
    parts = node.getJSONStrings().map((j) => ({ ...span(model, j.getRange()), value: j.getJSONValue() }));
  } else {
    parts = node.getArguments().map((a) => ({ ...span(model, a.getRange()), value: a.getValue() }));
  }
  const destPart = parts.length >= 2 ? parts[parts.length - 1] : undefined;
  const destValue = destPart ? (expandVars(destPart.value, base.env) ?? destPart.value) : undefined;
  return {
    ...base,
    keyword: base.keyword as 'COPY' | 'ADD',
    node,
    flags,
    ...(from !== undefined ? { from } : {}),
    ...(fromStage ? { fromStage } : {}),
    sources: parts.slice(0, -1),
    ...(destPart && destValue !== undefined
      ? {
          dest: {
            ...destPart,
            resolved: destIsDir(destValue, base.workdir)
              ? `${resolvePath(base.workdir, destValue)}/`.replace(/\/+$/, '/')
              : resolvePath(base.workdir, destValue),
          },
        }
      : {}),
    heredoc,
  };
}

/** The destination names a directory: trailing slash, `.`, or a standard bin directory. */
function destIsDir(value: string, workdir: string): boolean {
  if (value.endsWith('/') || value === '.' || value.endsWith('/.')) return true;
  return ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'].includes(
    resolvePath(workdir, value),
  );
}

function execLike(model: DockerfileModel, node: Instruction): ExecLike {
  if (isJsonForm(node)) {
    const words = (node as Run).getJSONStrings().map((j) => {
      const r = span(model, j.getRange());
      return { value: j.getJSONValue(), start: r.start, end: r.end, quoted: true };
    });
    return { exec: true, words };
  }
  const args = node.getArguments();
  if (args.length === 0) return { exec: false, words: [] };
  const s = span(model, { start: args[0]!.getRange().start, end: args[args.length - 1]!.getRange().end });
  const mt = dockerfileShellText(model.source.text, s.start, s.end, model.escape);
  const words = parseShell(mt).flatMap((c) => c.words);
  return { exec: false, words, shellText: mt.text, argsSpan: s };
}

/** Stages from the root of the FROM chain down to `stage`. */
export function stageChain(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = s.parent) chain.unshift(s);
  return chain;
}

/** Instructions of the stage and of the stages it is built FROM, in build order. */
export function chainInstrs(stage: Stage): Instr[] {
  return stageChain(stage).flatMap((s) => s.instrs);
}

/** Stages whose files end up in the final image: the final stage's chain. */
export function finalStage(model: DockerfileModel): Stage {
  return model.stages[model.stages.length - 1]!;
}

/** Is `stage` (or a stage built FROM it) copied from or built upon by another stage? */
export function stageIsUsed(model: DockerfileModel, stage: Stage): boolean {
  return model.stages.some(
    (s) => s !== stage && (s.parent === stage || s.instrs.some((i) => isCopy(i) && i.fromStage === stage)),
  );
}

export function keyword(model: DockerfileModel, kw: string): string {
  return model.lowerKeywords ? kw.toLowerCase() : kw;
}

export { normalizePath };

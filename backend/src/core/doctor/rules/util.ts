import type { Arg, Env } from 'dockerfile-ast';
import { isGoWord } from '../facts.js';
import { isRun, type DockerfileModel, type Instr, type RunInstr, type Span } from '../model.js';

export function allRunsOf(model: DockerfileModel): RunInstr[] {
  return model.instrs.filter(isRun);
}

/** A place where the Dockerfile sets an environment variable. */
export interface EnvSetting {
  instr: Instr;
  name: string;
  value: string;
  /** Span of the value as written (ENV/ARG), or of the whole `NAME=value` word (RUN). */
  valueSpan?: Span;
  wordSpan?: Span;
  how: 'ENV' | 'ARG' | 'prefix' | 'export' | 'go env -w';
}

/** Every ENV/ARG property and every `NAME=value` in RUN commands (prefixes, export, go env -w). */
export function envSettings(model: DockerfileModel, instrs: readonly Instr[] = model.instrs): EnvSetting[] {
  const out: EnvSetting[] = [];
  for (const instr of instrs) {
    if (instr.keyword === 'ENV' || instr.keyword === 'ARG') {
      for (const p of (instr.node as Env | Arg).getProperties()) {
        const value = p.getValue();
        if (value === null) continue;
        const vr = p.getValueRange();
        out.push({
          instr,
          name: p.getName(),
          value,
          ...(vr
            ? { valueSpan: { start: model.source.offsetAt(vr.start), end: model.source.offsetAt(vr.end) } }
            : {}),
          how: instr.keyword,
        });
      }
      continue;
    }
    if (!isRun(instr)) continue;
    for (const c of instr.commands) {
      for (const a of c.cmd.assignments) {
        out.push({
          instr,
          name: a.name,
          value: a.value,
          wordSpan: { start: a.word.start, end: a.word.end },
          how: 'prefix',
        });
      }
      const argv = c.cmd.argv;
      const isExport = argv[0]?.value === 'export';
      const isGoEnvW =
        isGoWord(argv[0]) && argv[1]?.value === 'env' && argv.slice(2).some((w) => w.value === '-w');
      if (!isExport && !isGoEnvW) continue;
      for (const w of argv.slice(isExport ? 1 : 2)) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w.value);
        if (!m) continue;
        out.push({
          instr,
          name: m[1]!,
          value: m[2]!,
          wordSpan: { start: w.start, end: w.end },
          how: isExport ? 'export' : 'go env -w',
        });
      }
    }
  }
  return out;
}

/** An edit that sets a found setting to a new value, keeping its form. */
export function setValueEdit(
  s: EnvSetting,
  value: string,
): { start: number; end: number; text: string } | null {
  if (s.valueSpan) return { ...s.valueSpan, text: value };
  if (s.wordSpan) return { ...s.wordSpan, text: `${s.name}=${value}` };
  return null;
}

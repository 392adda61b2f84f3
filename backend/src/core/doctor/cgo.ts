import type { Arg, Env } from 'dockerfile-ast';
import type { TextEdit } from './applyEdits.js';
import { insertLinesAfter, prefixCommand, replaceWord } from './edits.js';
import { buildOutputs, goCalls, opaqueBuilds, producesBinary, type GoCall } from './facts.js';
import { chainInstrs, isRun, keyword, type DockerfileModel, type RunInstr, type Stage } from './model.js';
import { normalizePath, pathContains } from './paths.js';

/** cgo facts and the CGO_ENABLED=0 fix, shared by cgo-on-static-runtime and the runtime-stage rewrite. */

export type CgoSetting = 'off' | 'on' | 'default';

export function cgoSetting(call: GoCall): CgoSetting {
  const v = call.info.env.get('CGO_ENABLED');
  if (v === '0') return 'off';
  if (v === '1') return 'on';
  return 'default';
}

/** `-ldflags` asking the external linker for a static binary. */
export function linksStatically(call: GoCall): boolean {
  const ld = call.flags.get('ldflags')?.value ?? '';
  return /extldflags[= ]+["']?[^"']*-static/.test(ld) || /-extldflags\s*=?\s*-static/.test(ld);
}

/** cgo is off (or the link is static) for this producer, as far as the Dockerfile shows. */
export function producerStatic(p: Producer): boolean {
  if (p.call) return cgoSetting(p.call) === 'off' || linksStatically(p.call);
  return !!p.opaqueRun && opaqueBuilds(p.opaqueRun).every((c) => c.env.get('CGO_ENABLED') === '0');
}

/** A producer of files copied out of a stage: a visible go build/install, or an opaque build. */
export interface Producer {
  stage: Stage;
  call?: GoCall;
  opaqueRun?: RunInstr;
}

/** Builds in `stage`'s chain whose output lies in (or contains) the copied source path. */
export function producersOf(stage: Stage, sourcePath: string): Producer[] {
  const out: Producer[] = [];
  const src = normalizePath(sourcePath);
  for (const i of chainInstrs(stage)) {
    if (!isRun(i)) continue;
    for (const call of goCalls(i).filter(producesBinary)) {
      const hit = buildOutputs(call).some((o) =>
        o.path
          ? pathContains(src, o.path)
          : o.dir
            ? pathContains(src, o.dir) || pathContains(o.dir, src)
            : false,
      );
      if (hit) out.push({ stage, call });
    }
    if (opaqueBuilds(i).length > 0) out.push({ stage, opaqueRun: i });
  }
  // A visible build that matches wins over opaque ones.
  return out.some((p) => p.call) ? out.filter((p) => p.call) : out;
}

/**
 * Edits that turn cgo off for these producers: an existing `CGO_ENABLED=…` prefix is set to 0, a visible
 * shell-form go command gets a `CGO_ENABLED=0` prefix, anything else an `ENV CGO_ENABLED=0` after the
 * stage's FROM (or an existing ENV/ARG value in that stage is set to 0).
 */
export function cgoOffEdits(model: DockerfileModel, producers: Producer[]): TextEdit[] {
  const edits: TextEdit[] = [];
  const envStages = new Set<Stage>();
  for (const p of producers) {
    if (producerStatic(p)) continue;
    const call = p.call;
    if (call && !call.run.exec) {
      const own = call.info.cmd.assignments.find((a) => a.name === 'CGO_ENABLED');
      edits.push(
        own ? replaceWord(own.word, 'CGO_ENABLED=0') : prefixCommand(call.goWord, ['CGO_ENABLED=0']),
      );
      continue;
    }
    const stage = call?.run.stage ?? p.opaqueRun?.stage ?? p.stage;
    envStages.add(stage);
  }
  for (const stage of envStages) edits.push(...stageEnvEdits(model, stage, 'CGO_ENABLED', '0'));
  return edits;
}

/** Sets NAME=value for a whole stage: rewrites its ENV/ARG of that name, or adds an ENV after FROM. */
export function stageEnvEdits(model: DockerfileModel, stage: Stage, name: string, value: string): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const i of stage.instrs) {
    if (i.keyword !== 'ENV' && i.keyword !== 'ARG') continue;
    for (const p of (i.node as Env | Arg).getProperties()) {
      const vr = p.getValueRange();
      if (p.getName() === name && vr) {
        edits.push({
          start: model.source.offsetAt(vr.start),
          end: model.source.offsetAt(vr.end),
          text: value,
        });
      }
    }
  }
  if (edits.length > 0) return edits;
  return [insertLinesAfter(model, stage.fromInstr, [`${keyword(model, 'ENV')} ${name}=${value}`])];
}

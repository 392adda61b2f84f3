import type { TextEdit } from '../applyEdits.js';
import { insertLinesAfter, prefixCommand, replaceWord } from '../edits.js';
import { goCalls, producesBinary, type GoCall } from '../facts.js';
import { isRun, keyword, stageChain, stageIsUsed, type DockerfileModel, type Stage } from '../model.js';
import { defineRule, type Hit } from '../rule.js';
import { envSettings } from './util.js';

const BUILDPLATFORM = /^\$\{?BUILDPLATFORM\}?$/;
const TARGET_VAR = { GOOS: 'TARGETOS', GOARCH: 'TARGETARCH' } as const;

/** GOOS/GOARCH of a go command come from the TARGET* build args. */
function targetsFromArgs(model: DockerfileModel, call: GoCall, name: 'GOOS' | 'GOARCH'): boolean {
  const own = call.info.cmd.assignments.find((a) => a.name === name);
  if (own) return own.value.includes(TARGET_VAR[name]);
  const settings = call.run.stage
    ? envSettings(
        model,
        stageChain(call.run.stage).flatMap((s) => s.instrs),
      )
    : [];
  const last = settings.filter((s) => s.name === name && s.instr.index <= call.run.index).pop();
  return !!last && last.value.includes(TARGET_VAR[name]);
}

interface Data {
  stage: Stage;
  calls: GoCall[];
}

export const noCrossCompilePlatform = defineRule<Data | null>({
  id: 'no-cross-compile-platform',
  severity: 'info',
  title: 'GOOS/GOARCH hard-coded, or a build stage that does not cross-compile from $BUILDPLATFORM',
  explanation:
    'Go cross-compiles natively, so a multi-platform image needs only one build stage running on the ' +
    "builder's own platform (`FROM --platform=$BUILDPLATFORM`) that sets GOOS/GOARCH from the TARGETOS and " +
    'TARGETARCH build arguments. Without that, `docker buildx build --platform linux/amd64,linux/arm64` runs ' +
    'the whole Go build under emulation, many times slower; a hard-coded GOARCH silently ships the wrong ' +
    'architecture in one of the variants.',
  fixSummary: 'cross-compile from `$BUILDPLATFORM`',
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`,
    good: `FROM --platform=$BUILDPLATFORM golang:1.22.5 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`,
  },
  check({ model }) {
    const hits: Hit<Data | null>[] = [];
    const flagged = new Set<number>();
    for (const stage of model.stages) {
      if (stage.isFinal || !stageIsUsed(model, stage)) continue;
      const calls = stage.instrs.filter(isRun).flatMap(goCalls).filter(producesBinary);
      if (calls.length === 0) continue;
      const root = stageChain(stage)[0]!;
      const platform = root.from.platform?.value;
      const reasons: string[] = [];
      if (!platform) reasons.push('the stage does not run on --platform=$BUILDPLATFORM');
      else if (!BUILDPLATFORM.test(platform)) reasons.push(`--platform=${platform} is hard-coded`);
      if (calls.some((c) => !targetsFromArgs(model, c, 'GOARCH')))
        reasons.push('GOARCH does not come from $TARGETARCH');
      if (reasons.length === 0) continue;
      for (const c of calls) flagged.add(c.run.index);
      hits.push({
        line: stage.fromInstr.line,
        endLine: stage.fromInstr.endLine,
        message: `build stage "${stage.name ?? stage.index}": ${reasons.join('; ')}`,
        fix: 'FROM --platform=$BUILDPLATFORM, ARG TARGETOS TARGETARCH, and GOOS=$TARGETOS GOARCH=$TARGETARCH on the go build',
        data: { stage, calls },
      });
    }
    // Hard-coded GOARCH (or a non-Linux GOOS) elsewhere.
    for (const s of envSettings(model)) {
      if (flagged.has(s.instr.index) || !s.instr.stage) continue;
      const hard =
        (s.name === 'GOARCH' && !s.value.includes('$')) ||
        (s.name === 'GOOS' && !s.value.includes('$') && s.value !== 'linux');
      if (!hard || s.how === 'ARG') continue;
      flagged.add(s.instr.index);
      hits.push({
        line: s.instr.line,
        endLine: s.instr.endLine,
        message: `${s.name}=${s.value} is hard-coded: images for other platforms get this one's binary`,
        fix: `set ${s.name} from $${TARGET_VAR[s.name as 'GOOS' | 'GOARCH']} in a --platform=$BUILDPLATFORM build stage`,
        data: null,
      });
    }
    return hits;
  },
  fix({ model }, hit) {
    if (!hit.data) return null;
    return crossCompileEdits(model, hit.data.stage, hit.data.calls);
  },
});

function crossCompileEdits(
  model: DockerfileModel,
  stage: Stage,
  calls: GoCall[],
): { edits: TextEdit[] } | null {
  if (calls.some((c) => c.run.exec)) return null;
  const edits: TextEdit[] = [];
  const root = stageChain(stage)[0]!;
  const platform = root.from.platform;
  if (!platform) {
    const at = root.from.imageSpan?.start;
    if (at === undefined) return null;
    edits.push({ start: at, end: at, text: '--platform=$BUILDPLATFORM ' });
  } else if (!BUILDPLATFORM.test(platform.value)) {
    edits.push({ start: platform.start, end: platform.end, text: '$BUILDPLATFORM' });
  }
  // ARG TARGETOS TARGETARCH in the stage that runs the builds, before them.
  const firstRun = Math.min(...calls.map((c) => c.run.index));
  const declared = new Set(
    stage.instrs
      .filter((i) => i.keyword === 'ARG' && i.index < firstRun)
      .flatMap((i) => (i.node.getArguments() ?? []).map((a) => a.getValue().split('=')[0]!)),
  );
  const missing = ['TARGETOS', 'TARGETARCH'].filter((n) => !declared.has(n));
  if (missing.length > 0)
    edits.push(insertLinesAfter(model, stage.fromInstr, [`${keyword(model, 'ARG')} ${missing.join(' ')}`]));
  for (const call of calls) {
    const add: string[] = [];
    for (const name of ['GOOS', 'GOARCH'] as const) {
      const own = call.info.cmd.assignments.find((a) => a.name === name);
      const value = `${name}=$${TARGET_VAR[name]}`;
      if (own) {
        if (!own.value.includes(TARGET_VAR[name])) edits.push(replaceWord(own.word, value));
      } else if (!targetsFromArgs(model, call, name)) {
        add.push(value);
      }
    }
    if (add.length > 0) edits.push(prefixCommand(call.goWord, add));
  }
  return { edits };
}

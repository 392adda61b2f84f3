import type { TextEdit } from '../applyEdits.js';
import { insertLinesBefore } from '../edits.js';
import { goCalls, mountsCovering, usesCache, vendorMode, type GoCall } from '../facts.js';
import { isCopy, isRun, keyword, type CopyInstr, type DockerfileModel, type Instr } from '../model.js';
import { normalizePath } from '../paths.js';
import { defineRule, type Hit } from '../rule.js';

interface Data {
  copy: CopyInstr;
  call: GoCall;
}

const WHOLE_CONTEXT = /^\.\/?$/;
const BUILD_ONLY_ENV = new Set([
  'GOOS',
  'GOARCH',
  'GOARM',
  'GOAMD64',
  'GOARM64',
  'CGO_ENABLED',
  'CGO_CFLAGS',
  'CGO_LDFLAGS',
]);

export const copyBeforeDownload = defineRule<Data>({
  id: 'copy-before-download',
  severity: 'warning',
  title: 'The whole context is copied before the modules are downloaded',
  explanation:
    'Docker reuses a layer only while everything before it is unchanged. With `COPY . .` ahead of the first ' +
    'step that needs modules, any edit to any file invalidates that step, so every build downloads (and ' +
    'stores in a new layer) all modules again. Copy go.mod and go.sum first and run `go mod download`, or ' +
    'keep the module cache on a cache mount, where the download costs nothing.',
  fixSummary: 'copy go.mod/go.sum (or bind-mount them) and download first',
  docs: {
    bad: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
`,
    good: `FROM golang:1.22.5 AS build
WORKDIR /src
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
`,
  },
  check({ model }) {
    const hits: Hit<Data>[] = [];
    for (const stage of model.stages) {
      let downloaded = stage.parent ? parentDownloaded(stage.parent.instrs) : false;
      let wholeCopy: CopyInstr | undefined;
      for (const i of stage.instrs) {
        if (isCopy(i) && !i.from && !i.heredoc && i.sources.some((s) => WHOLE_CONTEXT.test(s.value))) {
          wholeCopy ??= i;
          continue;
        }
        if (!isRun(i)) continue;
        const call = goCalls(i).find((c) => usesCache(c, 'mod') && !vendorMode(c));
        if (!call) continue;
        const cache = call.info.go.gomodcache;
        const mounted = !!cache && mountsCovering(i, cache, 'cache').length > 0;
        if (!downloaded && wholeCopy && !mounted) {
          hits.push({
            line: wholeCopy.line,
            endLine: wholeCopy.endLine,
            message: `COPY of the whole context (line ${wholeCopy.line}) comes before the first module download (go ${call.sub}, line ${i.line}): any edit downloads every module again`,
            fix: 'copy go.mod and go.sum first and run go mod download before copying the rest',
            data: { copy: wholeCopy, call },
          });
        }
        downloaded = true;
        break;
      }
    }
    return hits;
  },
  fix({ model }, hit) {
    return downloadFirst(model, hit.data);
  },
});

function parentDownloaded(instrs: readonly Instr[]): boolean {
  return instrs.some((i) => isRun(i) && goCalls(i).some((c) => usesCache(c, 'mod')));
}

function downloadFirst(model: DockerfileModel, { copy, call }: Data): { edits: TextEdit[] } | null {
  if (!copy.dest || call.run.exec) return null;
  const destDir = normalizePath(copy.dest.resolved);
  if (normalizePath(call.info.cwd) !== destDir) return null;
  const destText = copy.dest.value.endsWith('/') ? copy.dest.value : `${copy.dest.value}/`;
  const chown = copy.flags.filter(
    (f) => f.getName().toLowerCase() === 'chown' || f.getName().toLowerCase() === 'chmod',
  );
  const copyFlags = chown.map((f) => `${f.toString()} `).join('');
  // The download needs what the build needed to reach modules: its non-cache mounts, network and env.
  const flags = call.run.flags
    .filter((f) => {
      const n = f.getName().toLowerCase();
      if (n === 'network' || n === 'security') return true;
      if (n !== 'mount') return false;
      const type = (
        f
          .getOptions()
          .find((o) => o.getName() === 'type')
          ?.getValue() ?? 'bind'
      ).toLowerCase();
      return (
        type === 'secret' ||
        type === 'ssh' ||
        type === 'cache' ||
        (type === 'bind' && !!f.getOptions().find((o) => o.getName() === 'from'))
      );
    })
    .map((f) => `${f.toString()} `)
    .join('');
  const env = call.info.cmd.assignments
    .filter((a) => !BUILD_ONLY_ENV.has(a.name))
    .map((a) => `${model.source.text.slice(a.word.start, a.word.end)} `)
    .join('');
  return {
    edits: [
      insertLinesBefore(model, copy, [
        `${keyword(model, 'COPY')} ${copyFlags}go.mod go.sum* ${destText}`,
        `${keyword(model, 'RUN')} ${flags}${env}go mod download`,
      ]),
    ],
  };
}

import { goCalls } from '../facts.js';
import { isCopy, isRun } from '../model.js';
import { defineRule } from '../rule.js';
import { envSettings, setValueEdit, type EnvSetting } from './util.js';

export const go111moduleNotOn = defineRule<EnvSetting & { isModule: boolean }>({
  id: 'go111module-not-on',
  severity: 'warning',
  title: 'GO111MODULE is set to off or auto',
  explanation:
    'GO111MODULE=off builds in GOPATH mode: go.mod and go.sum are ignored, so the versions that end up in ' +
    'the binary are whatever sits in GOPATH and nothing is verified against go.sum. `auto` flips between ' +
    'the two modes depending on where the build runs. Modules have been the default since Go 1.16; remove ' +
    'the setting or set it to `on`.',
  fixSummary: 'remove it or set `on`',
  docs: {
    bad: `FROM golang:1.22.5 AS build
ENV GO111MODULE=auto
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
`,
    good: `FROM golang:1.22.5 AS build
ENV GO111MODULE=on
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
`,
  },
  check({ model }) {
    // The fix is safe only where the file shows a module project (go.mod copied, mounted or used).
    const isModule = model.instrs.some(
      (i) =>
        (isCopy(i) && i.sources.some((s) => /(^|\/)go\.(mod|sum)\*?$/.test(s.value))) ||
        (isRun(i) &&
          (i.mounts.some((m) => /(^|\/)go\.mod$/.test(m.options.get('source') ?? '')) ||
            goCalls(i).some((c) => c.sub.startsWith('mod ')))),
    );
    return envSettings(model)
      .filter((s) => s.name === 'GO111MODULE' && /^(off|auto)$/i.test(s.value.trim()))
      .map((s) => ({
        line: s.instr.line,
        endLine: s.instr.endLine,
        message: `GO111MODULE=${s.value} (${s.how}) ${s.value.toLowerCase() === 'off' ? 'ignores go.mod and go.sum' : 'lets the build fall back to GOPATH mode'}`,
        fix: isModule ? 'set GO111MODULE=on' : 'set GO111MODULE=on once the project has a go.mod',
        data: { ...s, isModule },
      }));
  },
  fix(_ctx, hit) {
    if (!hit.data.isModule) return null;
    const edit = setValueEdit(hit.data, 'on');
    return edit ? { edits: [edit] } : null;
  },
});

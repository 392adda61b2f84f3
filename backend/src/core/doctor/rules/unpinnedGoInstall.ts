import { goCalls } from '../facts.js';
import { chainInstrs, isCopy, isRun } from '../model.js';
import { defineRule } from '../rule.js';
import { allRunsOf } from './util.js';

const FLOATING = /^(latest|upgrade|patch|master|main|HEAD|trunk|develop)$/;

export const unpinnedGoInstall = defineRule<undefined>({
  id: 'unpinned-go-install',
  severity: 'warning',
  title: 'go install of a tool at @latest or without a version',
  explanation:
    '`go install tool@latest` resolves a different version whenever the layer is rebuilt, outside of go.sum: ' +
    'the image changes without a commit, a compromised or broken release goes straight in, and the download ' +
    'bypasses the layer cache you think you have. Pin the exact version (`@v1.2.3`), or add the tool to ' +
    'go.mod and install it from there.',
  fixSummary: 'pin a version',
  docs: {
    bad: `FROM golang:1.22.5 AS tools
RUN go install golang.org/x/tools/cmd/stringer@latest
`,
    good: `FROM golang:1.22.5 AS tools
RUN go install golang.org/x/tools/cmd/stringer@v0.24.0
`,
  },
  check({ model }) {
    return allRunsOf(model).flatMap((run) => {
      const hasModule =
        !!run.stage &&
        chainInstrs(run.stage).some(
          (i) =>
            (isCopy(i) &&
              i.index < run.index &&
              i.sources.some((s) => s.value === '.' || s.value === './' || /go\.mod/.test(s.value))) ||
            (isRun(i) &&
              i.mounts.some(
                (m) =>
                  m.type === 'bind' &&
                  (m.target === i.workdir || /go\.mod/.test(m.options.get('source') ?? '')),
              )),
        );
      return goCalls(run)
        .filter((c) => c.sub === 'install' || c.sub === 'get')
        .flatMap((c) =>
          c.packages
            .filter((p) => {
              const [path, version] = p.value.split('@');
              if (!path || path.startsWith('.') || path.startsWith('/')) return false;
              if (version !== undefined) return FLOATING.test(version);
              // Without a version, go install resolves from the current module's go.mod if there is one.
              return !hasModule && path.split('/')[0]!.includes('.');
            })
            .map((p) => ({
              line: run.line,
              endLine: run.endLine,
              message: `go ${c.sub} ${p.value} ${p.value.includes('@') ? 'follows a moving version' : 'has no version'}`,
              fix: `pin it: ${p.value.split('@')[0]}@vX.Y.Z`,
              data: undefined,
            })),
        );
    });
  },
});

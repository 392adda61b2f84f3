import { IGNORE_CANDIDATES, hasEntry, isIgnored, parseDockerignore } from '../dockerignore.js';
import { isCopy, isRun, type DockerfileModel } from '../model.js';
import { defineRule } from '../rule.js';

interface Data {
  missing: string[];
  content: string;
}

/** Patterns the Dockerfile itself needs (a COPY or a RUN naming bin/… must not lose it). */
function neededByDockerfile(model: DockerfileModel, pattern: string): boolean {
  const patterns = parseDockerignore(pattern);
  const rel = (v: string) => v.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  return model.instrs.some(
    (i) =>
      (isCopy(i) && !i.from && i.sources.some((s) => isIgnored(patterns, rel(s.value)))) ||
      (isRun(i) &&
        i.commands.some((c) =>
          c.cmd.words.some((w) => !w.value.startsWith('/') && isIgnored(patterns, rel(w.value))),
        )),
  );
}

export const missingDockerignore = defineRule<Data>({
  id: 'missing-dockerignore',
  severity: 'warning',
  title: 'No .dockerignore, or one that lets .git, local caches or build output in',
  explanation:
    'Everything in the build context is sent to the builder and, with `COPY . .`, lands in a layer: the ' +
    '.git history, a local GOCACHE or module cache, compiled binaries and test output. It makes the context ' +
    'slow to send, invalidates the COPY layer (and every module download after it) on unrelated changes, ' +
    'and can leak history or credentials into the image. A .dockerignore keeps them out.',
  fixSummary: 'a generated `.dockerignore`',
  docs: {
    bad: `# (build context without a .dockerignore)
FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
`,
    good: `# (build context with a .dockerignore listing .git, bin, **/*.test, …)
FROM golang:1.22.5 AS build
WORKDIR /src
COPY . .
`,
  },
  check({ model, options }) {
    if (options.dockerignore === undefined) return [];
    const existing = options.dockerignore;
    const patterns = parseDockerignore(existing ?? '');
    const entries = options.contextEntries;
    const missing = IGNORE_CANDIDATES.filter((c) => {
      const present = c.path.includes('.test') ? undefined : hasEntry(entries, c.path);
      const wanted =
        existing === null
          ? present === true || (!!c.generic && present !== false)
          : c.always
            ? present !== false
            : present === true;
      if (!wanted) return false;
      if (neededByDockerfile(model, c.pattern)) return false;
      return !isIgnored(patterns, c.path);
    });
    if (existing !== null && missing.length === 0) return [];
    const firstCopy = model.instrs.find((i) => isCopy(i) && !i.from) ?? model.instrs[0]!;
    const header =
      existing === null
        ? '# Keep VCS data, local Go caches and build output out of the build context.\n'
        : '';
    const base =
      existing === null ? '' : existing.endsWith('\n') || existing === '' ? existing : `${existing}\n`;
    const content = `${base}${header}${missing.map((m) => m.pattern).join('\n')}\n`;
    return [
      {
        line: firstCopy.line,
        endLine: firstCopy.endLine,
        message:
          existing === null
            ? 'the build context has no .dockerignore: .git, local caches and build output are sent and copied'
            : `.dockerignore lets in ${missing.map((m) => `${m.pattern} (${m.why})`).join(', ')}`,
        fix:
          existing === null
            ? 'add a .dockerignore'
            : `add ${missing.map((m) => m.pattern).join(', ')} to .dockerignore`,
        data: { missing: missing.map((m) => m.pattern), content },
      },
    ];
  },
  fix(_ctx, hit) {
    return { edits: [], dockerignore: hit.data.content };
  },
});

import { describe, expect, it } from 'vitest';
import { fixDockerfile, lintDockerfile } from '../../../src/core/doctor/index.js';
import { LensError } from '../../../src/core/errors.js';

const TEXT = `FROM golang:1.22.5 AS build
WORKDIR /src
COPY go.mod go.sum ./
# gocache-lens ignore=no-module-cache-mount
RUN go mod download
COPY . .
RUN go build -o /out/app .
`;

const rules = (text: string, opts = {}) =>
  lintDockerfile(text, opts).findings.map((f) => `${f.line} ${f.rule}`);

describe('silencing findings', () => {
  it('an inline pragma silences the rules it names on the next instruction only', () => {
    const found = rules(TEXT);
    expect(found).not.toContain('5 no-module-cache-mount');
    expect(found).toContain('7 no-module-cache-mount');
    expect(found).toContain('7 no-build-cache-mount');
  });

  it('works for several slugs, inside a continued instruction, and file-wide', () => {
    const inside =
      'FROM golang:1.22.5 AS build\nRUN go mod download && \\\n# gocache-lens ignore=no-module-cache-mount,no-build-cache-mount\n    go build -o /app .\n';
    expect(rules(inside).filter((r) => r.includes('cache-mount'))).toEqual([]);
    const fileWide = `# gocache-lens ignore-file=no-module-cache-mount\n${TEXT}`;
    expect(rules(fileWide).filter((r) => r.includes('no-module-cache-mount'))).toEqual([]);
  });

  it('config-level slugs apply everywhere, and unknown slugs are an input error', () => {
    expect(rules(TEXT, { ignore: ['no-build-cache-mount', 'toolchain-in-final-image'] })).toEqual([
      '7 no-module-cache-mount',
    ]);
    expect(() => lintDockerfile(TEXT, { ignore: ['no-such-rule'] })).toThrow(LensError);
  });

  it('fix applies no fix of a silenced rule, and none of an all-or-nothing rule with a silenced finding', () => {
    const fixed = fixDockerfile(TEXT, { ignore: ['no-cross-compile-platform'] }).fixed;
    // Mounting only the second RUN would make it miss what the first downloaded.
    expect(fixed).not.toContain('target=/go/pkg/mod');
    expect(fixed).toContain('--mount=type=cache,target=/root/.cache/go-build');
    expect(fixDockerfile(TEXT, { ignore: ['no-build-cache-mount', 'no-cross-compile-platform'] }).fixed).toBe(
      TEXT,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { lintDockerfile } from '../../../src/core/doctor/index.js';
import { isCopy, isRun, parseDockerfile, type RunInstr } from '../../../src/core/doctor/model.js';
import { cleanups, goCalls } from '../../../src/core/doctor/facts.js';
import { LensError } from '../../../src/core/errors.js';

function badInput(text: string): string {
  try {
    lintDockerfile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(LensError);
    expect((e as LensError).code).toBe('bad-input');
    expect((e as LensError).message).not.toContain('\n');
    return (e as LensError).message;
  }
  throw new Error('expected bad-input');
}

const runs = (text: string) => parseDockerfile(text).instrs.filter(isRun);

describe('Dockerfile parsing and the stage model', () => {
  it('rejects empty, binary, FROM-less and garbage input with one line', () => {
    expect(badInput('')).toMatch(/empty/);
    expect(badInput('\n  \n')).toMatch(/empty/);
    expect(badInput('# only a comment\n')).toMatch(/no FROM/);
    expect(badInput('\u0000\u0001\u0002ELF\u0000binary')).toMatch(/binary/);
    expect(
      badInput(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('utf8')),
    ).toMatch(/binary/);
    expect(badInput('hello world\nthis is not a dockerfile\n')).toMatch(/unknown instruction/);
    expect(badInput('RUN echo hi\nFROM alpine:3.20\n')).toMatch(/RUN before the first FROM/);
    expect(badInput('FROM golang:1.22.5\nFORM x\n')).toMatch(/line 2: unknown instruction/);
  });

  it('honours the escape directive', () => {
    const text = '# escape=`\nFROM golang:1.22.5\nRUN go build `\n   -o /out/app `\n   .\n';
    const [run] = runs(text);
    const call = goCalls(run!)[0]!;
    expect(call.sub).toBe('build');
    expect(call.flags.get('o')?.value).toBe('/out/app');
    // A backslash is just a character with a backtick escape.
    const [win] = runs('# escape=`\nFROM golang:1.22.5\nRUN go build -o C:\\out\\app.exe .\n');
    expect(goCalls(win!)[0]!.flags.get('o')?.value).toBe('C:outapp.exe');
  });

  it('reads CRLF files, tabs, lower-case keywords and a blank after a continuation', () => {
    const text =
      'from golang:1.22.5 as build\r\nrun CGO_ENABLED=0 \\ \r\n\tgo build \\\r\n\t-o /out/app .\r\n';
    const m = parseDockerfile(text);
    expect(m.lowerKeywords).toBe(true);
    expect(m.stages[0]!.name).toBe('build');
    const call = goCalls(m.instrs.filter(isRun)[0]!)[0]!;
    expect(call.info.env.get('CGO_ENABLED')).toBe('0');
    expect(call.flags.get('o')?.value).toBe('/out/app');
  });

  it('skips comment lines inside a continued RUN', () => {
    const [run] = runs(
      'FROM golang:1.22.5\nRUN go mod download && \\\n# fetch first\n    go build -o /app .\n',
    );
    expect(goCalls(run!).map((c) => c.sub)).toEqual(['mod download', 'build']);
  });

  it('reads heredoc scripts, with their commands at their real offsets', () => {
    const text =
      'FROM golang:1.22.5\nRUN <<EOF\nset -e\ngo mod download\nCGO_ENABLED=0 go build -o /out/app .\nEOF\n';
    const [run] = runs(text);
    const calls = goCalls(run!);
    expect(calls.map((c) => c.sub)).toEqual(['mod download', 'build']);
    expect(text.slice(calls[1]!.goWord.start, calls[1]!.goWord.end)).toBe('go');
    expect(calls[1]!.info.env.get('CGO_ENABLED')).toBe('0');
    // A heredoc fed to another program is data, not a script.
    expect(goCalls(runs('FROM golang:1.22.5\nRUN cat <<EOF > /x\ngo build\nEOF\n')[0]!)).toEqual([]);
  });

  it('reads exec-form RUN', () => {
    const [run] = runs('FROM golang:1.22.5\nRUN ["go", "build", "-o", "/out/app", "."]\n');
    expect((run as RunInstr).exec).toBe(true);
    expect(goCalls(run!)[0]!.flags.get('o')?.value).toBe('/out/app');
  });

  it('tracks export, cd and prefixes through a RUN', () => {
    const [run] = runs(
      'FROM golang:1.22.5\nWORKDIR /src\nRUN export GOFLAGS=-mod=vendor && cd cmd/app && GOOS=linux go build -o ../../bin/app .\n',
    );
    const call = goCalls(run!)[0]!;
    expect(call.info.env.get('GOFLAGS')).toBe('-mod=vendor');
    expect(call.info.env.get('GOOS')).toBe('linux');
    expect(call.info.cwd).toBe('/src/cmd/app');
  });

  it('resolves ARG defaults in FROM, leaves ARGs without default unknown', () => {
    const m = parseDockerfile(
      'ARG V=1.22\nARG BASE\nFROM golang:${V}-alpine AS build\nFROM ${BASE}\nCOPY --from=build /a /a\n',
    );
    expect(m.stages[0]!.from.image).toBe('golang:1.22-alpine');
    expect(m.stages[0]!.from.argNames).toEqual(['V']);
    expect(m.stages[1]!.from.image).toBeNull();
  });

  it('models stages: names, parents, --from by name and index, --platform', () => {
    const m = parseDockerfile(
      'FROM --platform=$BUILDPLATFORM golang:1.22.5 AS Deps\nENV GOPATH=/gp\nFROM deps AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=1 /out/app /app\nCOPY --from=BUILD /out/app /app2\n',
    );
    const [deps, build, final] = m.stages;
    expect(deps!.name).toBe('deps');
    expect(deps!.from.platform?.value).toBe('$BUILDPLATFORM');
    expect(build!.parent).toBe(deps);
    expect(final!.isFinal).toBe(true);
    const copies = final!.instrs.filter(isCopy);
    expect(copies.map((c) => c.fromStage)).toEqual([build, build]);
    // ENV is inherited by the child stage: its caches move with GOPATH.
    expect(build!.instrs.filter(isRun)[0]!.go.gomodcache).toBe('/gp/pkg/mod');
  });

  it("derives each step's Go cache paths from ENV, USER and HOME", () => {
    const m = parseDockerfile(
      'FROM golang:1.22.5\nRUN go env\nENV GOMODCACHE=/opt/gomod GOCACHE=/var/cache/gobuild\nRUN go env\nFROM golang:1.22.5\nUSER 1000\nENV HOME=/home/b GOPATH=/home/b/go\nRUN go env\nFROM alpine:3.20\nRUN apk add go && go env\n',
    );
    const gos = m.instrs.filter(isRun).map((r) => r.go);
    expect(gos[0]).toMatchObject({ gomodcache: '/go/pkg/mod', gocache: '/root/.cache/go-build' });
    expect(gos[1]).toMatchObject({ gomodcache: '/opt/gomod', gocache: '/var/cache/gobuild' });
    expect(gos[2]).toMatchObject({ gomodcache: '/home/b/go/pkg/mod', gocache: '/home/b/.cache/go-build' });
    expect(gos[3]).toMatchObject({ gomodcache: '/root/go/pkg/mod', gocache: '/root/.cache/go-build' });
  });

  it('uses a local image env when given', () => {
    const m = parseDockerfile('FROM corp/go-builder:7\nRUN go build -o /app .\n', (img) =>
      img === 'corp/go-builder:7' ? ['GOLANG_VERSION=1.22.5', 'GOPATH=/workspace'] : undefined,
    );
    expect(m.stages[0]!.base.toolchain).toBe(true);
    expect(m.instrs.filter(isRun)[0]!.go.gomodcache).toBe('/workspace/pkg/mod');
  });

  it('finds cleanups, expanding $(go env …) and variables', () => {
    const [run] = runs(
      'FROM golang:1.22.5\nENV GOMODCACHE=/m\nRUN go build . && rm -rf "$(go env GOMODCACHE)" ${HOME}/.cache/go-build /tmp/x && go clean -cache\n',
    );
    const c = cleanups(run!);
    expect(c.map((x) => [x.kind, x.via, x.covers])).toEqual([
      ['mod', 'rm', true],
      ['build', 'rm', true],
      ['build', 'go-clean', true],
    ]);
  });
});

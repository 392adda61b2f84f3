import { describe, expect, it } from 'vitest';
import { fixDockerfile, lintDockerfile } from '../../../src/core/doctor/index.js';
import { catches, catchesNot, findingsOf, fixOnly, golangEnv } from './helpers.js';

const GO = 'FROM golang:1.22.5 AS build\nWORKDIR /src\n';

describe('no-module-cache-mount / no-build-cache-mount', () => {
  it('judges coverage by path containment, not string equality', () => {
    catchesNot('no-module-cache-mount', `${GO}RUN --mount=type=cache,target=/go/pkg go mod download\n`);
    catchesNot('no-module-cache-mount', `${GO}RUN --mount=type=cache,target=/go/pkg/mod/ go mod download\n`);
    catchesNot('no-build-cache-mount', `${GO}RUN --mount=type=cache,target=/root/.cache go build .\n`);
    catchesNot(
      'no-build-cache-mount',
      `${GO}ENV GOCACHE=/gc\nRUN --mount=type=cache,target=/gc go build .\n`,
    );
    catches(
      'no-build-cache-mount',
      `${GO}ENV GOCACHE=/gc\nRUN --mount=type=cache,target=/root/.cache/go-build go build .\n`,
    );
    const partial = catches(
      'no-module-cache-mount',
      `${GO}RUN --mount=type=cache,target=/go/pkg/mod/cache go mod download\n`,
    );
    expect(partial[0]!.message).toContain('covers only part');
  });

  it('knows which go commands use which cache', () => {
    catchesNot('no-build-cache-mount', `${GO}RUN go mod download\n`);
    catchesNot('no-module-cache-mount', `${GO}RUN go build -mod=vendor .\n`);
    catchesNot('no-module-cache-mount', `${GO}ENV GOFLAGS=-mod=vendor\nRUN go build .\n`);
    catchesNot('no-module-cache-mount', `${GO}ENV GO111MODULE=off\nRUN go build .\n`);
    catchesNot('no-module-cache-mount', `${GO}RUN go version && go env\n`);
    catches('no-build-cache-mount', `${GO}RUN go test ./...\n`);
    catches('no-build-cache-mount', `${GO}RUN ["go", "build", "."]\n`);
  });

  it('reports builds through make or scripts in a Go stage at lower severity, and only there', () => {
    const [f] = catches('no-build-cache-mount', `${GO}RUN make build\n`);
    expect(f!.severity).toBe('info');
    expect(f!.message).toMatch(/flags cannot be seen/);
    catches('no-module-cache-mount', `${GO}RUN ./scripts/build.sh\n`);
    catchesNot('no-build-cache-mount', 'FROM debian:bookworm\nRUN make build\n');
    catches('no-build-cache-mount', 'FROM debian:bookworm\nRUN apt-get install -y golang-go && make build\n');
  });

  it('adds mounts to every step that uses the cache, with uid/gid for a numeric non-root user', () => {
    const fixed = fixOnly(
      'no-module-cache-mount',
      `${GO}USER 1000:1000\nENV HOME=/home/u\nRUN go mod download\nRUN go build -o /out/app .\n`,
    );
    // The golang image sets GOPATH=/go; HOME moves only the build cache.
    expect(fixed).toContain('RUN --mount=type=cache,target=/go/pkg/mod,uid=1000,gid=1000 go mod download');
    expect(fixed).toContain('RUN --mount=type=cache,target=/go/pkg/mod,uid=1000,gid=1000 go build');
    expect(
      fixOnly('no-build-cache-mount', `${GO}USER 1000:1000\nENV HOME=/home/u\nRUN go build .\n`),
    ).toContain('--mount=type=cache,target=/home/u/.cache/go-build,uid=1000,gid=1000 go build');
    // A named user: no uid to give, so no automatic fix at all (mounting some steps only would break others).
    const named = `${GO}USER builder\nENV HOME=/home/builder\nRUN go mod download\n`;
    expect(catches('no-module-cache-mount', named)[0]!.fixable).toBe(false);
  });

  it('lays out a new mount like the RUN lays out its flags', () => {
    const fixed = fixOnly(
      'no-build-cache-mount',
      `${GO}RUN --mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=bind,target=. \\\n    go build -o /out/app .\n`,
    );
    expect(fixed).toContain(
      '    --mount=type=bind,target=. \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n    go build',
    );
  });

  it('takes out a same-RUN cleanup of the cache it mounts (removing a mount point would fail)', () => {
    const fixed = fixOnly(
      'no-module-cache-mount',
      `${GO}RUN go build -o /out/app . \\\n && go clean -modcache \\\n && echo done\n`,
    );
    expect(fixed).toContain(
      'RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app . \\\n && echo done\n',
    );
    const rm = fixOnly(
      'no-build-cache-mount',
      `${GO}RUN go build -o /out/app . && rm -rf /root/.cache/go-build /tmp/junk\n`,
    );
    expect(rm).toContain('go build -o /out/app . && rm -rf /tmp/junk\n');
  });

  it('replaces a mount that covers only the downloads', () => {
    expect(
      fixOnly(
        'no-module-cache-mount',
        `${GO}RUN --mount=type=cache,target=/go/pkg/mod/cache,id=gomod go mod download\n`,
      ),
    ).toContain('--mount=type=cache,target=/go/pkg/mod,id=gomod go mod download');
  });
});

describe('copy-before-download', () => {
  it('fires on COPY . . before the first download, unless a cache mount or earlier download makes it harmless', () => {
    catches('copy-before-download', `${GO}COPY . .\nRUN go build -o /out/app .\n`);
    catchesNot(
      'copy-before-download',
      `${GO}COPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app .\n`,
    );
    catchesNot(
      'copy-before-download',
      `${GO}COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build .\n`,
    );
    catchesNot('copy-before-download', `${GO}RUN --mount=type=bind,target=. go build -o /out/app .\n`);
    catchesNot('copy-before-download', `${GO}COPY . .\nRUN go build -mod=vendor -o /out/app .\n`);
  });

  it('downloads first with what the build used to reach modules', () => {
    const fixed = fixOnly(
      'copy-before-download',
      `${GO}COPY --chown=1000:1000 . .\nRUN --mount=type=secret,id=netrc,target=/root/.netrc GOPRIVATE=git.corp.example CGO_ENABLED=0 go build -o /out/app .\n`,
    );
    expect(fixed).toContain(
      'COPY --chown=1000:1000 go.mod go.sum* ./\nRUN --mount=type=secret,id=netrc,target=/root/.netrc GOPRIVATE=git.corp.example go mod download\nCOPY --chown=1000:1000 . .\n',
    );
  });
});

describe('cleanup-in-separate-layer / cleanup-wrong-path', () => {
  it('fires for a later RUN, in the same stage or a child stage, not for the same RUN', () => {
    catches('cleanup-in-separate-layer', `${GO}RUN go build -o /out/app .\nRUN go clean -cache\n`);
    catches(
      'cleanup-in-separate-layer',
      `${GO}RUN go mod download\nFROM build AS slim\nRUN rm -rf /go/pkg/mod\n`,
    );
    catchesNot('cleanup-in-separate-layer', `${GO}RUN go build -o /out/app . && go clean -cache -modcache\n`);
    catchesNot(
      'cleanup-in-separate-layer',
      `${GO}RUN --mount=type=cache,target=/root/.cache/go-build go build .\nRUN go clean -cache\n`,
    );
  });

  it('fixes by mounting the caches the cleanup deletes', () => {
    const fixed = fixOnly(
      'cleanup-in-separate-layer',
      `${GO}RUN go build -o /out/app .\nRUN go clean -cache\n`,
    );
    expect(fixed).toContain('RUN --mount=type=cache,target=/root/.cache/go-build go build');
    catchesNot('cleanup-in-separate-layer', fixed);
  });

  it('knows where the cache really is (ENV, HOME, USER) and cleans that', () => {
    const text =
      'FROM golang:1.22.5\nUSER 1000\nENV HOME=/home/u\nRUN go build -o /tmp/app . && rm -rf /root/.cache/go-build\n';
    const [f] = catches('cleanup-wrong-path', text);
    expect(f!.message).toContain('/home/u/.cache/go-build');
    expect(fixOnly('cleanup-wrong-path', text)).toContain('rm -rf /home/u/.cache/go-build\n');
    catchesNot(
      'cleanup-wrong-path',
      'FROM golang:1.22.5\nRUN go build . && rm -rf /go/pkg/mod /root/.cache/go-build\n',
    );
    catchesNot('cleanup-wrong-path', 'FROM golang:1.22.5\nRUN rm -rf /srv/data\n');
  });
});

describe('toolchain-in-final-image', () => {
  it('fires on golang final stages, directly or through a parent stage', () => {
    catches('toolchain-in-final-image', `${GO}RUN go build -o /app .\nCMD ["/app"]\n`);
    catches('toolchain-in-final-image', `${GO}RUN go build -o /app .\nFROM build\nCMD ["/app"]\n`);
    catches(
      'toolchain-in-final-image',
      'FROM alpine:3.20\nRUN apk add --no-cache go\nCMD ["go", "version"]\n',
    );
    catchesNot(
      'toolchain-in-final-image',
      `${GO}RUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n`,
    );
  });

  it('refuses the rewrite, with a reason, when the runtime could differ', () => {
    const reason = (text: string) => catches('toolchain-in-final-image', text)[0]!;
    expect(reason(`${GO}CMD ["go", "run", "."]\n`).fix).toMatch(/runs the go command itself/);
    expect(reason(`${GO}RUN go build -o /app .\nCMD /app --port=$PORT\n`).fix).toMatch(/needs a shell/);
    expect(
      reason(`${GO}RUN go build -o /app . && apt-get update && apt-get install -y curl\nCMD ["/app"]\n`).fix,
    ).toMatch(/not automatic/);
    expect(reason(`${GO}RUN useradd app\nRUN go build -o /app .\nCMD ["/app"]\n`).fix).toMatch(
      /"useradd" may prepare the runtime/,
    );
    expect(reason(`${GO}RUN go build -o /app .\n`).fix).toMatch(/no CMD or ENTRYPOINT/);
    expect(reason(`${GO}RUN make\nCMD ["/src/bin/app"]\n`).fixable).toBe(false);
  });
});

describe('cache-copied-to-final-stage', () => {
  const build = `${GO}RUN go install ./cmd/app\n`;
  it('fires when a copy drags a filled cache, not for the binary or for a mounted cache', () => {
    catches(
      'cache-copied-to-final-stage',
      `${build}FROM scratch\nCOPY --from=build /go /go\nENTRYPOINT ["/go/bin/app"]\n`,
    );
    catches(
      'cache-copied-to-final-stage',
      `${build}FROM scratch\nCOPY --from=build / /\nENTRYPOINT ["/go/bin/app"]\n`,
    );
    catchesNot('cache-copied-to-final-stage', `${build}FROM scratch\nCOPY --from=build /go/bin/app /app\n`);
    catchesNot(
      'cache-copied-to-final-stage',
      `${GO}RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go install ./cmd/app\nFROM scratch\nCOPY --from=build /go /go\n`,
    );
  });

  it('copies just the executable the image starts', () => {
    const fixed = fixOnly(
      'cache-copied-to-final-stage',
      `${build}FROM scratch\nCOPY --from=build / /\nENTRYPOINT ["/go/bin/app"]\n`,
    );
    expect(fixed).toContain('COPY --from=build /go/bin/app /go/bin/app\n');
  });
});

describe('cgo-on-static-runtime', () => {
  const rt = (runtime: string, build = 'golang:1.22.5', cmd = 'go build -o /out/app .') =>
    `FROM ${build} AS build\nRUN ${cmd}\nFROM ${runtime}\nCOPY --from=build /out/app /app\nENTRYPOINT ["/app"]\n`;
  it('fires for glibc builds on scratch, distroless static and Alpine', () => {
    expect(catches('cgo-on-static-runtime', rt('scratch'))[0]!.severity).toBe('error');
    catches('cgo-on-static-runtime', rt('gcr.io/distroless/static-debian12:nonroot'));
    catches('cgo-on-static-runtime', rt('alpine:3.20'));
    expect(catches('cgo-on-static-runtime', rt('scratch', 'golang:1.22.5-alpine'))[0]!.severity).toBe(
      'warning',
    );
  });

  it('accepts consistent or deliberate setups', () => {
    catchesNot(
      'cgo-on-static-runtime',
      rt('scratch', 'golang:1.22.5', 'CGO_ENABLED=0 go build -o /out/app .'),
    );
    catchesNot('cgo-on-static-runtime', rt('debian:bookworm-slim'));
    catchesNot('cgo-on-static-runtime', rt('gcr.io/distroless/base-debian12'));
    catchesNot(
      'cgo-on-static-runtime',
      rt(
        'alpine:3.20',
        'golang:1.22.5-alpine',
        'apk add gcc musl-dev && CGO_ENABLED=1 go build -o /out/app .',
      ),
    );
    catchesNot(
      'cgo-on-static-runtime',
      rt(
        'scratch',
        'golang:1.22.5',
        `go build -ldflags '-linkmode external -extldflags "-static"' -o /out/app .`,
      ),
    );
  });

  it('turns cgo off where the binary is built', () => {
    expect(fixOnly('cgo-on-static-runtime', rt('scratch'))).toContain(
      'RUN CGO_ENABLED=0 go build -o /out/app .',
    );
    expect(
      fixOnly(
        'cgo-on-static-runtime',
        rt('scratch', 'golang:1.22.5', 'CGO_ENABLED=1 go build -o /out/app .'),
      ),
    ).toContain('RUN CGO_ENABLED=0 go build');
    expect(fixOnly('cgo-on-static-runtime', rt('scratch', 'golang:1.22.5', 'make out'))).toBe(
      rt('scratch', 'golang:1.22.5', 'make out').replace('AS build\n', 'AS build\nENV CGO_ENABLED=0\n'),
    );
  });
});

describe('floating-base-tag', () => {
  it('flags golang without a patch release and any base on latest or untagged', () => {
    for (const img of [
      'golang',
      'golang:latest',
      'golang:1.22',
      'golang:1.22-alpine',
      'golang:alpine',
      'docker.io/library/golang:1',
      'alpine',
      'alpine:latest',
    ]) {
      catches('floating-base-tag', `FROM ${img}\n`);
    }
    for (const img of [
      'golang:1.22.5',
      'golang:1.22.5-bookworm',
      'golang:1.23rc1',
      'golang:1.22@sha256:' + 'a'.repeat(64),
      'alpine:3.20',
      'scratch',
    ]) {
      catchesNot('floating-base-tag', `FROM ${img}\n`);
    }
    catchesNot('floating-base-tag', 'ARG BASE\nFROM ${BASE}\n');
    catches('floating-base-tag', 'ARG BASE=golang:latest\nFROM ${BASE}\n');
  });

  it('pins from the local GOLANG_VERSION, keeping the variant and the ARG', () => {
    const env = { localImageEnv: golangEnv('1.22.5') };
    expect(fixOnly('floating-base-tag', 'FROM golang:1.22-alpine AS b\n', env)).toBe(
      'FROM golang:1.22.5-alpine AS b\n',
    );
    expect(fixOnly('floating-base-tag', 'FROM golang\n', env)).toBe('FROM golang:1.22.5\n');
    expect(fixOnly('floating-base-tag', 'FROM golang:bookworm\n', env)).toBe('FROM golang:1.22.5-bookworm\n');
    expect(fixOnly('floating-base-tag', 'ARG GO=1.22\nFROM golang:${GO}-alpine\n', env)).toBe(
      'ARG GO=1.22.5\nFROM golang:${GO}-alpine\n',
    );
    expect(fixOnly('floating-base-tag', 'FROM golang:1.21\n', env)).toBe('FROM golang:1.21\n');
    expect(findingsOf('floating-base-tag', 'FROM golang:1.22\n', env)[0]!.fix).toContain('golang:1.22.5');
  });
});

describe('go111module-not-on / checksum-db-disabled / unpinned-go-install', () => {
  it('go111module-not-on', () => {
    catches('go111module-not-on', 'FROM golang:1.22.5\nRUN GO111MODULE=auto go build .\n');
    catchesNot('go111module-not-on', 'FROM golang:1.22.5\nENV GO111MODULE=on\n');
    expect(
      fixOnly('go111module-not-on', 'FROM golang:1.22.5\nCOPY go.mod .\nENV GO111MODULE=off\n'),
    ).toContain('ENV GO111MODULE=on\n');
    // Without a go.mod in sight the switch could break a GOPATH build: advice only.
    expect(catches('go111module-not-on', 'FROM golang:1.22.5\nENV GO111MODULE=off\n')[0]!.fixable).toBe(
      false,
    );
  });

  it('checksum-db-disabled', () => {
    for (const env of [
      'GOSUMDB=off',
      'GONOSUMCHECK=1',
      'GOINSECURE=*',
      'GOFLAGS="-mod=mod -insecure"',
      'GOPRIVATE=*',
      'GONOSUMDB=*,corp.example',
    ]) {
      catches('checksum-db-disabled', `FROM golang:1.22.5\nENV ${env}\n`);
    }
    catchesNot(
      'checksum-db-disabled',
      'FROM golang:1.22.5\nENV GOPRIVATE=git.corp.example/* GONOSUMDB=git.corp.example\n',
    );
    catches('checksum-db-disabled', 'FROM golang:1.22.5\nRUN go env -w GOSUMDB=off\n');
  });

  it('unpinned-go-install', () => {
    catches(
      'unpinned-go-install',
      'FROM golang:1.22.5\nRUN go install golang.org/x/tools/cmd/stringer@latest\n',
    );
    catches('unpinned-go-install', 'FROM golang:1.22.5\nRUN go install github.com/x/y@main\n');
    catches('unpinned-go-install', 'FROM golang:1.22.5\nRUN go install github.com/x/y\n');
    catchesNot(
      'unpinned-go-install',
      'FROM golang:1.22.5\nRUN go install github.com/x/y@v1.2.3 ./cmd/app .\n',
    );
    catchesNot('unpinned-go-install', 'FROM golang:1.22.5\nCOPY . .\nRUN go install github.com/x/y\n');
  });
});

describe('merged-go-caches', () => {
  it('fires when GOMODCACHE sits inside GOCACHE or mounts share an id, and separates them', () => {
    const text = `${GO}ENV GOCACHE=/root/.cache/go-build GOMODCACHE=/root/.cache/go-build/mod\n`;
    catches('merged-go-caches', text);
    expect(fixOnly('merged-go-caches', text)).toContain('GOMODCACHE=/go/pkg/mod\n');
    const shared = `${GO}RUN --mount=type=cache,id=go,target=/go/pkg/mod --mount=type=cache,id=go,target=/root/.cache/go-build go build .\n`;
    catches('merged-go-caches', shared);
    expect(fixOnly('merged-go-caches', shared)).toContain('id=go-mod,target=/go/pkg/mod');
    catchesNot('merged-go-caches', `${GO}ENV GOCACHE=/cache/build GOMODCACHE=/cache/mod\n`);
  });
});

describe('no-cross-compile-platform', () => {
  const stages = (from: string, run: string) =>
    `FROM ${from} AS build\n${run}\nFROM scratch\nCOPY --from=build /out/app /app\n`;
  it('fires for build stages that do not cross-compile from $BUILDPLATFORM', () => {
    catches('no-cross-compile-platform', stages('golang:1.22.5', 'RUN CGO_ENABLED=0 go build -o /out/app .'));
    catches(
      'no-cross-compile-platform',
      stages(
        '--platform=linux/amd64 golang:1.22.5',
        'ARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .',
      ),
    );
    catches(
      'no-cross-compile-platform',
      stages('--platform=$BUILDPLATFORM golang:1.22.5', 'RUN go build -o /out/app .'),
    );
    catchesNot(
      'no-cross-compile-platform',
      stages(
        '--platform=$BUILDPLATFORM golang:1.22.5',
        'ARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .',
      ),
    );
    catchesNot(
      'no-cross-compile-platform',
      stages(
        '--platform=${BUILDPLATFORM} golang:1.22.5',
        'ARG TARGETOS TARGETARCH\nENV GOOS=$TARGETOS GOARCH=$TARGETARCH\nRUN go build -o /out/app .',
      ),
    );
    catches(
      'no-cross-compile-platform',
      'FROM golang:1.22.5\nENV GOARCH=arm64\nRUN go build -o /app .\nCMD ["/app"]\n',
    );
    catchesNot(
      'no-cross-compile-platform',
      'FROM golang:1.22.5\nRUN GOOS=linux go build -o /app .\nCMD ["/app"]\n',
    );
  });

  it('adds --platform, the TARGET args and GOOS/GOARCH on the build', () => {
    const fixed = fixOnly(
      'no-cross-compile-platform',
      stages('golang:1.22.5', 'RUN GOOS=linux GOARCH=amd64 go build -o /out/app .'),
    );
    expect(fixed).toContain(
      'FROM --platform=$BUILDPLATFORM golang:1.22.5 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build',
    );
  });
});

describe('missing-dockerignore', () => {
  const text = `${GO}COPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .\n`;
  it('only runs with a build context', () => {
    catchesNot('missing-dockerignore', text);
    catches('missing-dockerignore', text, { dockerignore: null });
  });

  it('checks what an existing file lets in', () => {
    catchesNot('missing-dockerignore', text, { dockerignore: '.git\n' });
    catchesNot('missing-dockerignore', text, { dockerignore: '**/.git\n' });
    catches('missing-dockerignore', text, { dockerignore: '.git\n!.git\n' });
    catches('missing-dockerignore', text, { dockerignore: 'bin\n' });
    catchesNot('missing-dockerignore', text, {
      dockerignore: 'node_modules\n',
      contextEntries: ['go.mod', 'main.go'],
    });
    catches('missing-dockerignore', text, {
      dockerignore: '.git\n',
      contextEntries: ['.git/', 'bin/', 'main.go'],
    });
  });

  it('generates a .dockerignore that keeps what the Dockerfile needs', () => {
    const { dockerignore } = fixDockerfile(`${text}RUN ./bin/gen.sh\n`, {
      dockerignore: null,
      contextEntries: ['.git/', 'bin/', '.cache/'],
    });
    expect(dockerignore).toContain('.git\n');
    expect(dockerignore).toContain('.cache\n');
    expect(dockerignore).not.toMatch(/^bin$/m);
    const appended = fixDockerfile(text, {
      dockerignore: 'node_modules',
      contextEntries: ['.git/', 'bin/'],
    }).dockerignore;
    expect(appended).toBe('node_modules\n.git\nbin\n');
  });
});

describe('lint output', () => {
  it('sorts by line and carries explanation and fix', () => {
    const { findings } = lintDockerfile(`${GO}COPY . .\nRUN go build -o /app .\nCMD ["/app"]\n`);
    expect(findings.map((f) => f.line)).toEqual([...findings.map((f) => f.line)].sort((a, b) => a - b));
    for (const f of findings) {
      expect(f.explanation.length).toBeGreaterThan(100);
      expect(f.fix).toBeTruthy();
      expect(f.endLine).toBeGreaterThanOrEqual(f.line);
    }
  });
});

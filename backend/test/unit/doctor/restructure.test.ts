import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../../src/core/doctor/model.js';
import { applyEdits } from '../../../src/core/doctor/applyEdits.js';
import { runtimeStageRewrite } from '../../../src/core/doctor/restructure.js';

const RUNTIME = 'gcr.io/distroless/static-debian12:nonroot';

function rewrite(text: string, runtime = RUNTIME): string {
  const r = runtimeStageRewrite(parseDockerfile(text), runtime);
  if (!r.ok) throw new Error(r.reason);
  const out = applyEdits(text, r.edits);
  expect(out.rejected).toEqual([]);
  parseDockerfile(out.text);
  return out.text;
}

describe('single-stage -> build + runtime rewrite', () => {
  it('appends a runtime stage and moves the runtime settings, keeping comments and order', () => {
    const text = `FROM golang:1.22.5
LABEL org.opencontainers.image.title=demo
WORKDIR /app
ENV GREETING="good day" GOFLAGS=-trimpath
COPY . .
EXPOSE 8080
RUN go build -o /app/server ./cmd/server
# started like this
CMD ["/app/server", "--listen", ":8080"]
`;
    expect(rewrite(text)).toBe(`FROM golang:1.22.5 AS build
WORKDIR /app
ENV GREETING="good day" GOFLAGS=-trimpath
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server ./cmd/server

FROM ${RUNTIME}
WORKDIR /app
ENV GREETING="good day"
COPY --from=build /app/server /app/server
LABEL org.opencontainers.image.title=demo
EXPOSE 8080
# started like this
CMD ["/app/server", "--listen", ":8080"]
`);
  });

  it('turns a plain shell-form CMD into exec form and keeps PATH lookups working', () => {
    const text =
      'FROM golang:1.22.5\nRUN go install example.com/tool/cmd/tool@v1.0.0\nUSER 1000\nCMD tool --serve\n';
    expect(rewrite(text)).toBe(
      `FROM golang:1.22.5 AS build\nRUN CGO_ENABLED=0 go install example.com/tool/cmd/tool@v1.0.0\nUSER 1000\n\nFROM ${RUNTIME}\nENV PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCOPY --from=build /go/bin/tool /go/bin/tool\nUSER 1000\nCMD ["tool", "--serve"]\n`,
    );
  });

  it('carries files copied for the runtime, and names the stage without clashing', () => {
    const text =
      'FROM alpine:3.20 AS build\nFROM golang:1.22.5\nWORKDIR /src\nCOPY . .\nCOPY config.yaml /etc/app/config.yaml\nRUN CGO_ENABLED=0 go build -o /bin/app .\nENTRYPOINT ["/bin/app"]\n';
    const out = rewrite(text);
    expect(out).toContain('FROM golang:1.22.5 AS build-app\n');
    expect(out).toContain(
      'COPY --from=build-app /bin/app /bin/app\nCOPY config.yaml /etc/app/config.yaml\nENTRYPOINT ["/bin/app"]\n',
    );
  });

  it('builds on a parent stage when the final stage inherits the toolchain', () => {
    const text =
      'FROM golang:1.22.5 AS base\nWORKDIR /src\nCOPY . .\nFROM base\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';
    const out = rewrite(text);
    expect(out).toContain('FROM base AS build\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM');
    expect(out).toContain('COPY --from=build /out/app /out/app\nCMD ["/out/app"]\n');
  });

  it('swaps the base of a final stage that only copies a binary onto a toolchain image', () => {
    const text =
      'FROM golang:1.22.5 AS build\nRUN go build -o /out/app .\n\nFROM golang:1.22.5\nCOPY --from=build /out/app /go/bin/app\nCMD app\n';
    expect(rewrite(text)).toBe(
      `FROM golang:1.22.5 AS build\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM ${RUNTIME}\nENV PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCOPY --from=build /out/app /go/bin/app\nCMD ["app"]\n`,
    );
  });

  it('follows COPY into the working directory or a bin directory in swap mode', () => {
    const dot =
      'FROM golang:1.22.5 AS build\nRUN go build -o /out/app .\nFROM golang:1.22.5\nWORKDIR /srv\nCOPY --from=build /out/app .\nCMD ["./app"]\n';
    expect(rewrite(dot)).toContain(`FROM ${RUNTIME}\nWORKDIR /srv\n`);
    const bin =
      'FROM golang:1.22.5 AS build\nRUN go build -o /out/app .\nFROM golang:1.22.5\nCOPY --from=build /out/app /usr/local/bin\nCMD ["app"]\n';
    expect(rewrite(bin)).toContain(`FROM ${RUNTIME}\nCOPY`);
  });

  it('leaves cgo alone when the runtime has the same C library', () => {
    const text = 'FROM golang:1.22.5\nRUN go build -o /app .\nCMD ["/app"]\n';
    expect(rewrite(text, 'debian:bookworm-slim')).toContain('RUN go build -o /app .\n');
    expect(rewrite(text, 'alpine:3.20')).toContain('RUN CGO_ENABLED=0 go build -o /app .\n');
    expect(rewrite(text, 'alpine:3.20')).toContain('FROM alpine:3.20\n');
  });

  it('keeps CRLF, lower-case keywords and the escape character', () => {
    const text = 'from golang:1.22.5\r\nrun go build \\\r\n  -o /app .\r\ncmd ["/app"]\r\n';
    expect(rewrite(text)).toBe(
      `from golang:1.22.5 as build\r\nrun CGO_ENABLED=0 go build \\\r\n  -o /app .\r\n\r\nfrom ${RUNTIME}\r\ncopy --from=build /app /app\r\ncmd ["/app"]\r\n`,
    );
  });

  it('refuses what it cannot do faithfully', () => {
    const refuse = (text: string) => {
      const r = runtimeStageRewrite(parseDockerfile(text), RUNTIME);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.reason;
    };
    expect(refuse('FROM golang:1.22.5\nRUN go build -o /app .\nCMD ["/other"]\n')).toMatch(/cannot tell/);
    expect(refuse('FROM golang:1.22.5\nRUN go build -o /app .\nENTRYPOINT /app\nCMD ["x"]\n')).toMatch(
      /shell-form ENTRYPOINT/,
    );
    expect(
      refuse('FROM golang:1.22.5\nRUN go build -o /app .\nHEALTHCHECK CMD ["/app", "-ping"]\nCMD ["/app"]\n'),
    ).toMatch(/HEALTHCHECK/);
    expect(
      refuse(
        'FROM golang:1.22.5\nCOPY --chown=app:app conf /etc/conf\nRUN go build -o /app .\nCMD ["/app"]\n',
      ),
    ).toMatch(/--chown=app:app/);
    expect(refuse('FROM golang:1.22.5\nCOPY app /usr/local/bin/app\nCMD ["app"]\n')).toMatch(/cannot tell/);
    expect(refuse('FROM golang:1.22.5\nRUN mkdir -p /data && go build -o /app .\nCMD ["/app"]\n')).toMatch(
      /mkdir \/data/,
    );
    expect(
      refuse('FROM golang:1.22.5\nRUN go build -o /app . && echo ok > /etc/app.conf\nCMD ["/app"]\n'),
    ).toMatch(/writes \/etc\/app.conf/);
    // Preparing the output directory and silencing output are fine.
    rewrite(
      'FROM golang:1.22.5\nRUN mkdir -p /out && go build -o /out/app . > /dev/null\nCMD ["/out/app"]\n',
    );
  });
});

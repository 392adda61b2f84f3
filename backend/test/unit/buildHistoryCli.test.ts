import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { command, formatBuildDetail, formatBuildTable, formatDuration } from '../../src/cli/buildsCommand.js';
import type { CliIO } from '../../src/cli/main.js';
import type { BuildDetail, BuildSummary } from '../../src/docker/buildHistory.js';

const summary: BuildSummary = {
  ref: 'k8mdwks8h03sjhxb077mdxich',
  name: 'app:1',
  dockerfileName: 'Dockerfile',
  target: null,
  status: 'completed',
  startedAt: '2026-01-02T03:04:05.250Z',
  completedAt: '2026-01-02T03:04:07.750Z',
  durationMs: 2500,
  steps: { total: 9, cached: 4, completed: 9 },
  image: { id: `sha256:${'ab'.repeat(32)}`, tags: ['app:1'] },
  errorMessage: null,
};

const failed: BuildDetail = {
  ...summary,
  ref: 'failedref',
  name: 'Dockerfile',
  status: 'failed',
  image: null,
  errorMessage: 'process "/bin/sh -c go build" did not complete successfully: exit code: 1',
  dockerfile: {
    filename: 'Dockerfile',
    text: 'FROM golang:1.22.5\nRUN --mount=type=cache,target=/go/pkg/mod \\\n    go build .\n',
    origin: 'error-details',
  },
  sourceUnavailable: null,
  error: {
    message: 'process "/bin/sh -c go build" did not complete successfully: exit code: 1',
    code: 2,
    location: { filename: 'Dockerfile', startLine: 2, endLine: 3 },
    logExcerpt: 'verifying example.com/liba@v1.1.0: checksum mismatch',
  },
  goChecksumMismatch: {
    module: 'example.com/liba@v1.1.0',
    cacheMountHint: { mounts: [{ target: '/go/pkg/mod', id: '/go/pkg/mod' }], recordIds: ['rec1'] },
  },
  doctor: {
    findings: [{ rule: 'no-build-cache-mount', severity: 'warning', line: 2, message: 'no build cache' }],
    fixed: '',
    diff: '',
  },
  doctorError: null,
};

function io(): { io: CliIO; out: () => string } {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  return {
    io: {
      stdout,
      stderr: new PassThrough(),
      // Nothing listens there: argument errors must come before any engine call.
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      cwd: process.cwd(),
      signal: new AbortController().signal,
    },
    out: () => out,
  };
}

describe('builds command output', () => {
  it.each([
    [null, '-'],
    [420, '0.4s'],
    [12_340, '12.3s'],
    [185_000, '3m05s'],
    [3_725_000, '1h02m'],
  ])('formats %j ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('prints a table with one row per build', () => {
    const text = formatBuildTable([summary, { ...failed, image: null }]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REF\s+STATUS\s+STARTED\s+DURATION\s+STEPS\s+IMAGE\s+NAME$/);
    expect(lines[1]).toMatch(
      /^k8mdwks8h03sjhxb077mdxich\s+completed\s+2026-01-02 03:04:05Z\s+2\.5s\s+9\/9 \(4 cached\)\s+abababababab\s+app:1$/,
    );
    expect(lines[2]).toMatch(/^failedref\s+failed\s.*\s-\s+Dockerfile$/);
    expect(formatBuildTable([])).toBe('No builds in the BuildKit history.\n');
  });

  it('shows a failed build with the failing lines marked, the mismatch and how to clear it', () => {
    const text = formatBuildDetail(failed);
    expect(text).toMatch(/^Status: {5}failed$/m);
    expect(text).toMatch(/^Error: {6}process .* exit code: 1 \(Dockerfile:2-3\)$/m);
    expect(text).toContain('Go checksum mismatch: example.com/liba@v1.1.0');
    expect(text).toContain("docker builder prune --all --force --filter 'id=^rec1$'");
    expect(text).toMatch(/^ {2}1 {2}FROM golang:1\.22\.5$/m);
    expect(text).toMatch(/^> 2 {2}RUN --mount/m);
    expect(text).toMatch(/^> 3 {6}go build \.$/m);
    expect(text).toContain('line 2  warning  no-build-cache-mount  no build cache');
    const noSource = formatBuildDetail({
      ...failed,
      dockerfile: null,
      sourceUnavailable: 'gone',
      doctor: null,
      error: null,
      goChecksumMismatch: null,
    });
    expect(noSource).toContain('Dockerfile: not available (gone)');
  });
});

describe('builds command arguments', () => {
  it.each([
    [['list'], /unknown subcommand "list"/],
    [['show'], /missing REF/],
    [['show', 'a', 'b'], /unexpected argument "b"/],
    [['--dockerfile'], /--dockerfile needs "show REF"/],
    [['show', 'abc', '--dockerfile', '--format', 'json'], /takes no --format/],
    [['--format', 'sarif'], /--format must be one of text, json/],
    [['--bogus'], /usage: builds/],
  ])('%j is a usage error', async (args, message) => {
    await expect(command.run(args, io().io)).rejects.toMatchObject({ code: 'bad-input', message });
  });

  it('reports an unreachable engine as such', async () => {
    await expect(command.run([], io().io)).rejects.toMatchObject({ code: 'engine-unavailable' });
  });
});

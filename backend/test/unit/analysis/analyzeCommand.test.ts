import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command } from '../../../src/cli/analyzeCommand.js';
import type { CliIO } from '../../../src/cli/main.js';
import type { AnalysisResult } from '../../../src/core/analysisTypes.js';
import { LensError } from '../../../src/core/errors.js';
import { buildCacheEntries, legacyArchive, ociArchive, tarOf } from './support/archives.js';

let dir: string;
let polluted: string;
let clean: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lens-cli-'));
  polluted = join(dir, 'polluted.tar');
  clean = join(dir, 'clean.tar');
  writeFileSync(
    polluted,
    await ociArchive({
      layers: [
        await tarOf([{ name: 'bin/app', size: 100 }]),
        await tarOf(buildCacheEntries('root/.cache/go-build', 3)),
      ],
      tag: 'cli/polluted:1',
    }),
  );
  writeFileSync(
    clean,
    await legacyArchive({
      layers: [await tarOf([{ name: 'bin/app', size: 100 }])],
      env: ['GOPROXY=http://proxy.local'],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const cli: CliIO = {
    stdout,
    stderr,
    env: { LENS_STORE: join(dir, 'store'), ...env },
    cwd: dir,
    signal: new AbortController().signal,
  };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

describe('gocache-lens analyze', () => {
  it('prints JSON per the contract and exits 1 on error findings', async () => {
    const t = io();
    expect(await command.run(['polluted.tar', '--format', 'json'], t.cli)).toBe(1);
    const r = JSON.parse(t.out()) as AnalysisResult;
    expect(r.schemaVersion).toBe(1);
    expect(r.image.ref).toBe('cli/polluted:1');
    expect(r.layers[1]!.goCaches[0]).toMatchObject({
      kind: 'build-cache',
      root: '/root/.cache/go-build',
      files: 5,
    });
    expect(r.findings.map((f) => f.kind)).toEqual(['build-cache-in-image']);
    expect(t.err()).toBe(''); // not a terminal: no progress line
  });

  it('honours --fail-on and writes text, SARIF and --output files', async () => {
    const t = io();
    expect(await command.run([polluted, '--fail-on', 'none'], t.cli)).toBe(0);
    expect(t.out()).toMatch(/Polluted: yes/);
    expect(t.out()).toMatch(/build-cache-in-image/);

    const w = io();
    expect(
      await command.run([clean, '--fail-on', 'warning', '--format', 'sarif', '--output', 'out.sarif'], w.cli),
    ).toBe(1);
    expect(w.out()).toBe('');
    const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')) as {
      version: string;
      runs: { results: { ruleId: string; level: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results).toEqual([
      expect.objectContaining({ ruleId: 'insecure-go-env', level: 'warning' }),
    ]);
    expect(sarif.runs[0]!.tool.driver.rules.map((r) => r.id)).toContain('checksum-mismatch');

    expect(await command.run([clean], io().cli)).toBe(0); // default --fail-on error
  });

  it('turns bad usage and unreachable engines into one-line LensErrors (exit 2 in main)', async () => {
    const cases: [string[], string][] = [
      [[], 'bad-input'],
      [['a', 'b'], 'bad-input'],
      [[clean, '--format', 'xml'], 'bad-input'],
      [[clean, '--fail-on', 'fatal'], 'bad-input'],
      [[clean, '--bogus'], 'bad-input'],
      [['some/image:1'], 'engine-unavailable'],
    ];
    for (const [args, code] of cases) {
      const e = await command
        .run(args, io({ DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` }).cli)
        .catch((x: unknown) => x);
      expect(e, args.join(' ')).toBeInstanceOf(LensError);
      expect((e as LensError).code).toBe(code);
      expect((e as LensError).message).not.toContain('\n');
    }
  });

  it('shows progress on a terminal', async () => {
    const t = io();
    (t.cli.stderr as PassThrough & { isTTY?: boolean }).isTTY = true;
    await command.run([polluted, '--no-cache'], t.cli);
    expect(t.err()).toContain('Reading');
  });
});

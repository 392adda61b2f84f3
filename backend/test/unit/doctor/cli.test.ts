import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { corpusDockerfile } from '../../doctor-corpus/corpus.js';

let dir: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        append(chunk.toString('utf8'));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: { ...process.env, LENS_NO_ENGINE: '1' },
    cwd: dir,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lens-doctor-cli-'));
  writeFileSync(join(dir, 'Dockerfile'), corpusDockerfile('official-readme'));
  writeFileSync(join(dir, 'clean.Dockerfile'), corpusDockerfile('clean-multistage'));
  writeFileSync(join(dir, 'junk.bin'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0]));
  writeFileSync(join(dir, 'empty'), '');
  mkdirSync(join(dir, 'ctx', '.git'), { recursive: true });
  writeFileSync(join(dir, 'ctx', 'main.go'), 'package main\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gocache-lens lint', () => {
  it('prints text findings and exits 1 at or above --fail-on (default error)', async () => {
    const r = await cli('lint', 'Dockerfile');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Dockerfile:1 error toolchain-in-final-image:');
    expect(r.stdout).toContain('    fix: ');
    expect((await cli('lint', 'Dockerfile', '--fail-on', 'none')).code).toBe(0);
    expect((await cli('lint', 'clean.Dockerfile', '--fail-on', 'info')).code).toBe(0);
    expect((await cli('lint', 'Dockerfile', '--ignore', 'toolchain-in-final-image')).code).toBe(0);
    expect(
      (await cli('lint', 'Dockerfile', '--ignore', 'toolchain-in-final-image', '--fail-on', 'warning')).code,
    ).toBe(1);
  });

  it('writes the JSON contract', async () => {
    const r = await cli('lint', 'Dockerfile', '--format', 'json', '--context', 'ctx');
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      file: string;
      findings: Record<string, unknown>[];
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.file).toBe('Dockerfile');
    for (const f of doc.findings) {
      expect(Object.keys(f).sort()).toEqual(expect.arrayContaining(['line', 'message', 'rule', 'severity']));
      expect(Object.keys(f).every((k) => ['rule', 'severity', 'line', 'message', 'fix'].includes(k))).toBe(
        true,
      );
    }
    expect(doc.findings.map((f) => f.rule)).toContain('missing-dockerignore');
  });

  it('writes SARIF with the rule list', async () => {
    const r = await cli('lint', 'Dockerfile', '--format', 'sarif');
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: { ruleId: string; locations: unknown[] }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.tool.driver.rules.map((x) => x.id)).toContain('cgo-on-static-runtime');
    expect(sarif.runs[0]!.results[0]!.ruleId).toBe('toolchain-in-final-image');
  });

  it('exits 2 with one line for bad input and usage errors', async () => {
    for (const args of [
      ['lint', 'junk.bin'],
      ['lint', 'empty'],
      ['lint', 'missing'],
      ['lint', 'ctx'],
      ['lint'],
      ['lint', 'Dockerfile', '--format', 'yaml'],
      ['lint', 'Dockerfile', '--bogus'],
      ['lint', 'Dockerfile', '--context', 'nowhere'],
      ['lint', 'Dockerfile', '--ignore', 'no-such-rule'],
      ['fix', 'Dockerfile', '--write-dockerignore'],
      ['fix', 'Dockerfile', '--runtime-image', 'bad image'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });
});

describe('gocache-lens fix', () => {
  it('prints the fixed file, or a unified diff', async () => {
    const fixed = await cli('fix', 'Dockerfile');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('FROM gcr.io/distroless/static-debian12:nonroot\n');
    const diff = await cli('fix', 'Dockerfile', '--diff', '--runtime-image', 'alpine:3.20');
    expect(diff.stdout).toMatch(/^--- a\/Dockerfile\n\+\+\+ b\/Dockerfile\n@@ /);
    expect(diff.stdout).toContain('+FROM alpine:3.20\n');
    expect((await cli('fix', 'clean.Dockerfile', '--diff')).stdout).toBe('');
  });

  it('writes a .dockerignore only when asked, into the context', async () => {
    await cli('fix', 'Dockerfile', '--context', 'ctx');
    expect(() => readFileSync(join(dir, 'ctx', '.dockerignore'))).toThrow();
    const r = await cli('fix', 'Dockerfile', '--context', 'ctx', '--write-dockerignore');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'ctx', '.dockerignore'), 'utf8')).toContain('.git\n');
    expect(
      (await cli('lint', 'Dockerfile', '--context', 'ctx', '--format', 'json', '--fail-on', 'none')).stdout,
    ).not.toContain('missing-dockerignore');
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile, as BuildKit does', async () => {
    writeFileSync(join(dir, 'Dockerfile.dockerignore'), 'node_modules\n');
    try {
      const r = await cli('lint', 'Dockerfile', '--context', 'ctx', '--format', 'json', '--fail-on', 'none');
      expect(r.stdout).toContain('missing-dockerignore');
      await cli('fix', 'Dockerfile', '--context', 'ctx', '--write-dockerignore');
      expect(readFileSync(join(dir, 'Dockerfile.dockerignore'), 'utf8')).toBe('node_modules\n.git\n');
    } finally {
      rmSync(join(dir, 'Dockerfile.dockerignore'));
    }
  });
});

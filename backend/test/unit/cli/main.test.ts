import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

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
    cwd: tmpdir(),
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const COMMAND_NAMES = ['analyze', 'lint', 'fix', 'serve', 'builds'];

describe('gocache-lens entry point', () => {
  it('prints the package version', async () => {
    expect(await cli('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('lists every command in the top-level help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const name of COMMAND_NAMES) expect(r.stdout).toContain(`  gocache-lens ${name} `);
  });

  it.each(COMMAND_NAMES)('prints only its own usage for "%s -h", "%s --help" and "help %s"', async (name) => {
    for (const args of [
      [name, '-h'],
      [name, '--help'],
      ['help', name],
      [name, 'x', '--help'],
    ]) {
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.startsWith(`Usage: gocache-lens ${name} `)).toBe(true);
      expect(r.stdout).not.toMatch(new RegExp(`gocache-lens (?!${name} )\\w+ `));
    }
  });

  it('treats --help after -- as an argument, not a help request', async () => {
    const r = await cli('lint', '--', '--help');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('rejects an unknown command with one line and exit 2', async () => {
    for (const name of ['nope', 'toString', '__proto__']) {
      const r = await cli(name);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`gocache-lens: unknown command "${name}" (try --help)\n`);
    }
  });
});

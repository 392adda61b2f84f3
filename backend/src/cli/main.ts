import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LensError, firstLine, isLensError } from '../core/errors.js';

/** What a command needs from the process, passed in so commands are testable in-process. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** parseArgs that reports mistakes as LensError('bad-input'), so they end as exit 2 with one line. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new LensError('bad-input', `${firstLine((e as Error).message)} (usage: ${usage})`);
  }
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
  dflt: T,
): T {
  if (value === undefined) return dflt;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new LensError('bad-input', `${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
}

async function loadCommands(): Promise<CliCommand[]> {
  const mods = await Promise.all([
    import('./analyzeCommand.js'),
    import('./lintCommand.js'),
    import('./fixCommand.js'),
    import('./serveCommand.js'),
    import('./buildsCommand.js'),
  ]);
  return mods.map((m) => m.command);
}

function helpText(commands: CliCommand[]): string {
  return [
    'gocache-lens: Go module and build caches in container images',
    '',
    'Usage:',
    ...commands.map((c) => `  gocache-lens ${c.usage}\n      ${c.summary}`),
    '',
    'Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(helpText(commands));
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`gocache-lens: unknown command "${name}" (try --help)\n`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    const msg = isLensError(e) ? e.message : firstLine(e instanceof Error ? e.message : String(e));
    io.stderr.write(`gocache-lens ${name}: ${msg}\n`);
    if (io.env.LENS_DEBUG && e instanceof Error) io.stderr.write(`${e.stack ?? ''}\n`);
    return 2;
  }
}

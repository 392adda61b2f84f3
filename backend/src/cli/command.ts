import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LensError, firstLine } from '../core/errors.js';

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

import { firstLine, isLensError } from '../core/errors.js';
import type { CliCommand, CliIO } from './command.js';

export type { CliCommand, CliIO } from './command.js';

/**
 * Every command, loaded only when invoked so start-up pays for one command's modules (the engine client,
 * the HTTP server and the doctor are each heavy). Registering a command is one line here.
 */
const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  analyze: () => import('./analyzeCommand.js'),
  lint: () => import('./lintCommand.js'),
  fix: () => import('./fixCommand.js'),
  serve: () => import('./serveCommand.js'),
  builds: () => import('./buildsCommand.js'),
};

const HELP_FLAGS = new Set(['-h', '--help']);

/** True when the arguments before any `--` ask for help. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => HELP_FLAGS.has(a));
}

async function version(): Promise<string> {
  const { toolVersion } = await import('../core/version.js');
  return toolVersion();
}

async function helpText(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).command));
  return [
    `gocache-lens ${await version()}: Go module and build caches in container images`,
    '',
    'Usage:',
    ...commands.map((c) => `  gocache-lens ${c.usage}\n      ${c.summary}`),
    '',
    'Run `gocache-lens COMMAND --help` for one command; `gocache-lens --version` prints the version.',
    'Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.',
    '',
  ].join('\n');
}

function commandHelp(cmd: CliCommand): string {
  return `Usage: gocache-lens ${cmd.usage}\n\n${cmd.summary}\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || HELP_FLAGS.has(name) || name === 'help') {
    const about = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.stdout.write(about ? commandHelp((await about()).command) : await helpText());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${await version()}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.stderr.write(`gocache-lens: unknown command "${name}" (try --help)\n`);
    return 2;
  }
  try {
    const { command } = await load();
    if (asksForHelp(rest)) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    const msg = isLensError(e) ? e.message : firstLine(e instanceof Error ? e.message : String(e));
    io.stderr.write(`gocache-lens ${name}: ${msg}\n`);
    if (io.env.LENS_DEBUG && e instanceof Error) io.stderr.write(`${e.stack ?? ''}\n`);
    return 2;
  }
}

import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fixDockerfile } from '../core/doctor/index.js';
import { LensError } from '../core/errors.js';
import { ignoreList, baseImageEnvs, readContext, readDockerfile } from './lintCommand.js';
import { parseCommandArgs, type CliCommand } from './command.js';

const USAGE =
  'fix DOCKERFILE [--context DIR] [--diff] [--runtime-image IMAGE] [--write-dockerignore] [--ignore RULE,...]';

export const command: CliCommand = {
  name: 'fix',
  usage: USAGE,
  summary: 'Print the Dockerfile with every Go cache fix applied (or, with --diff, a unified diff).',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        context: { type: 'string' },
        diff: { type: 'boolean' },
        'runtime-image': { type: 'string' },
        'write-dockerignore': { type: 'boolean' },
        ignore: { type: 'string', multiple: true },
      },
      USAGE,
    );
    if (positionals.length !== 1)
      throw new LensError('bad-input', `expected one Dockerfile (usage: ${USAGE})`);
    if (values['write-dockerignore'] && values.context === undefined) {
      throw new LensError('bad-input', '--write-dockerignore needs --context DIR');
    }
    const file = positionals[0]!;
    const { path, text } = await readDockerfile(file, io);
    const context = values.context !== undefined ? await readContext(values.context, path, io) : undefined;
    const localImageEnv = await baseImageEnvs(text, io);
    const result = fixDockerfile(text, {
      fileName: basename(file),
      ignore: ignoreList(values.ignore),
      ...(values['runtime-image'] !== undefined ? { runtimeImage: values['runtime-image'] } : {}),
      ...(context ? { dockerignore: context.dockerignore, contextEntries: context.contextEntries } : {}),
      ...(localImageEnv ? { localImageEnv } : {}),
    });
    io.stdout.write(values.diff ? result.diff : result.fixed);
    if (values['write-dockerignore'] && context && result.dockerignore !== undefined) {
      const target = context.dockerignorePath;
      await writeFile(target, result.dockerignore);
      io.stderr.write(`wrote ${target}\n`);
    }
    if (io.stderr.isTTY) {
      const left = result.remaining.length;
      io.stderr.write(
        `${result.appliedRules.length > 0 ? `applied: ${result.appliedRules.join(', ')}` : 'nothing to fix automatically'}` +
          `${left > 0 ? `; ${left} finding(s) left for you (gocache-lens lint ${file})` : ''}\n`,
      );
    }
    return 0;
  },
};

import { readdir, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Severity } from '../core/analysisTypes.js';
import {
  DOCTOR_SCHEMA_VERSION,
  RULES,
  baseImages,
  lintDockerfile,
  type DoctorFinding,
  type LintOptions,
} from '../core/doctor/index.js';
import { LensError, isLensError } from '../core/errors.js';
import { toSarif } from '../core/sarif.js';
import { atOrAbove } from '../core/severity.js';
import { toolVersion } from '../core/version.js';
import { oneOf, parseCommandArgs, type CliCommand, type CliIO } from './command.js';

const USAGE =
  'lint DOCKERFILE [--context DIR] [--format text|json|sarif] [--fail-on error|warning|info|none] [--ignore RULE,...]';

/** The Dockerfile, read as text; a missing file or a directory is an input error. */
export async function readDockerfile(path: string, io: CliIO): Promise<{ path: string; text: string }> {
  const full = resolve(io.cwd, path);
  let buf: Buffer;
  try {
    buf = await readFile(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LensError('not-found', `cannot read ${path}: no such file`);
    if (code === 'EISDIR') throw new LensError('bad-input', `${path} is a directory, not a Dockerfile`);
    throw new LensError('bad-input', `cannot read ${path}: ${(e as Error).message}`);
  }
  return { path: full, text: buf.toString('utf8').replace(/^\uFEFF/, '') };
}

/**
 * The ignore file BuildKit would use (`<Dockerfile>.dockerignore` beside the Dockerfile wins over the
 * context's `.dockerignore`; null when neither exists) and the top-level entries of the context.
 */
export async function readContext(
  dir: string,
  dockerfilePath: string,
  io: CliIO,
): Promise<Pick<LintOptions, 'dockerignore' | 'contextEntries'> & { dir: string; dockerignorePath: string }> {
  const full = resolve(io.cwd, dir);
  try {
    if (!(await stat(full)).isDirectory())
      throw new LensError('bad-input', `--context ${dir} is not a directory`);
  } catch (e) {
    if (isLensError(e)) throw e;
    throw new LensError('not-found', `--context ${dir}: no such directory`);
  }
  const entries = (await readdir(full, { withFileTypes: true })).map((d) =>
    d.isDirectory() ? `${d.name}/` : d.name,
  );
  let dockerignore: string | null = null;
  let dockerignorePath = resolve(full, '.dockerignore');
  for (const candidate of [`${dockerfilePath}.dockerignore`, dockerignorePath]) {
    try {
      dockerignore = await readFile(candidate, 'utf8');
      dockerignorePath = candidate;
      break;
    } catch {
      dockerignore = null;
    }
  }
  return { dir: full, dockerignore, dockerignorePath, contextEntries: entries };
}

/**
 * Env of the local images the Dockerfile builds FROM (GOLANG_VERSION pinning, base image facts). Best
 * effort and quick: without a reachable engine the doctor simply works from image names.
 */
export async function baseImageEnvs(text: string, io: CliIO): Promise<LintOptions['localImageEnv']> {
  let names: string[];
  try {
    names = baseImages(text).slice(0, 16);
  } catch {
    return undefined;
  }
  if (names.length === 0 || io.env.LENS_NO_ENGINE) return undefined;
  try {
    // Loaded here: the engine client is most of lint's start-up cost, and most Dockerfiles need it once.
    const [{ connectEngine }, { localImageEnvs }] = await Promise.all([
      import('../docker/engine.js'),
      import('../docker/images.js'),
    ]);
    const envs = await localImageEnvs(connectEngine(io.env.DOCKER_HOST || undefined), names, io.signal, 3000);
    return (image) => envs.get(image);
  } catch {
    return undefined; // an unusable DOCKER_HOST: work from image names alone
  }
}

export function ignoreList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

function renderText(file: string, findings: DoctorFinding[]): string {
  if (findings.length === 0) return `${file}: no Go cache pitfalls found\n`;
  const lines = findings.map(
    (f) =>
      `${file}:${f.line}${f.endLine !== f.line ? `-${f.endLine}` : ''} ${f.severity} ${f.rule}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ''}`,
  );
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const fixable = findings.filter((f) => f.fixable).length;
  lines.push(
    `${findings.length} finding${findings.length === 1 ? '' : 's'}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info; ${fixable} fixable with \`gocache-lens fix\``,
  );
  return `${lines.join('\n')}\n`;
}

export const command: CliCommand = {
  name: 'lint',
  usage: USAGE,
  summary:
    'Report Go cache pitfalls in a Dockerfile, with why they hurt and the fix (exit 1 at or above --fail-on).',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        context: { type: 'string' },
        format: { type: 'string' },
        'fail-on': { type: 'string' },
        ignore: { type: 'string', multiple: true },
      },
      USAGE,
    );
    if (positionals.length !== 1)
      throw new LensError('bad-input', `expected one Dockerfile (usage: ${USAGE})`);
    const format = oneOf(values.format, ['text', 'json', 'sarif'] as const, '--format', 'text');
    const failOn = oneOf(
      values['fail-on'],
      ['error', 'warning', 'info', 'none'] as const,
      '--fail-on',
      'error',
    );
    const file = positionals[0]!;
    const { path, text } = await readDockerfile(file, io);
    const context = values.context !== undefined ? await readContext(values.context, path, io) : undefined;
    const localImageEnv = await baseImageEnvs(text, io);
    const { findings } = lintDockerfile(text, {
      ignore: ignoreList(values.ignore),
      ...(context ? { dockerignore: context.dockerignore, contextEntries: context.contextEntries } : {}),
      ...(localImageEnv ? { localImageEnv } : {}),
    });
    if (format === 'json') {
      const doc = {
        schemaVersion: DOCTOR_SCHEMA_VERSION,
        file,
        findings: findings.map((f) => ({
          rule: f.rule,
          severity: f.severity,
          line: f.line,
          message: f.message,
          ...(f.fix ? { fix: f.fix } : {}),
        })),
      };
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else if (format === 'sarif') {
      const sarif = toSarif(
        toolVersion(),
        RULES.map((r) => ({ id: r.id, description: r.title })),
        findings.map((f) => ({
          ruleId: f.rule,
          severity: f.severity,
          message: f.fix ? `${f.message} (fix: ${f.fix})` : f.message,
          uri: file,
          startLine: f.line,
          endLine: f.endLine,
        })),
      );
      io.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
    } else {
      io.stdout.write(renderText(file, findings));
    }
    return findings.some((f) => atOrAbove(f.severity, failOn)) ? 1 : 0;
  },
};

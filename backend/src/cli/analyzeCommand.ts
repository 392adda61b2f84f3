import { statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeImage, archiveFileSource, type ImageSource } from '../core/analyzeImage.js';
import { LensError } from '../core/errors.js';
import { atOrAbove } from '../core/severity.js';
import { toolVersion } from '../core/version.js';
import { ResultStore, defaultStoreDir } from '../core/store/resultStore.js';
import { connectEngine } from '../docker/engine.js';
import { engineImageSource } from '../docker/imageSource.js';
import { formatAnalysisSarif, formatAnalysisText, progressLine } from './analysisText.js';
import { oneOf, parseCommandArgs, type CliCommand } from './command.js';

const USAGE =
  'analyze IMAGE|ARCHIVE [--format text|json|sarif] [--output FILE] [--fail-on error|warning|none] [--no-cache]';

/**
 * `gocache-lens analyze`: an existing file is read as a `docker save` archive, anything else is an
 * image reference on the engine (DOCKER_HOST). Results are kept in LENS_STORE (or the per-user data
 * directory). Exit 1 when a finding is at or above --fail-on (default error).
 */
export const command: CliCommand = {
  name: 'analyze',
  usage: USAGE,
  summary:
    'Show which layers of an image (or docker save archive) hold Go module or build caches, and the findings',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'fail-on': { type: 'string' },
        'no-cache': { type: 'boolean' },
      },
      USAGE,
    );
    if (positionals.length !== 1) {
      throw new LensError(
        'bad-input',
        `${positionals.length === 0 ? 'missing IMAGE or ARCHIVE' : `unexpected argument "${positionals[1]}"`} (usage: ${USAGE})`,
      );
    }
    const format = oneOf(values.format, ['text', 'json', 'sarif'] as const, '--format', 'text');
    const failOn = oneOf(values['fail-on'], ['error', 'warning', 'none'] as const, '--fail-on', 'error');
    const target = positionals[0]!;
    if (target.trim() === '') throw new LensError('bad-input', 'IMAGE or ARCHIVE must not be empty');

    const path = resolve(io.cwd, target);
    const source: ImageSource = isFile(path)
      ? archiveFileSource(path)
      : engineImageSource(connectEngine(io.env.DOCKER_HOST || undefined), target);

    const store = ResultStore.open(defaultStoreDir(io.env));
    const progress = io.stderr.isTTY ? progressLine(io.stderr, target) : undefined;
    try {
      const result = await analyzeImage(source, {
        store,
        noCache: values['no-cache'] === true,
        signal: io.signal,
        onProgress: progress ? (p) => progress.update(p) : undefined,
      });
      progress?.clear();
      const text =
        format === 'json'
          ? `${JSON.stringify(result, null, 2)}\n`
          : format === 'sarif'
            ? formatAnalysisSarif(result, toolVersion())
            : formatAnalysisText(result);
      if (values.output !== undefined) {
        const out = resolve(io.cwd, values.output);
        try {
          writeFileSync(out, text);
        } catch (e) {
          throw new LensError(
            'bad-input',
            `cannot write ${values.output} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
            e,
          );
        }
      } else {
        io.stdout.write(text);
      }
      return result.findings.some((f) => atOrAbove(f.severity, failOn)) ? 1 : 0;
    } finally {
      progress?.clear();
      store.close();
    }
  },
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

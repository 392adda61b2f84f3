import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The doctor corpus: Dockerfiles in real-world styles with the rules each must trigger (see corpus.json). */

export interface CorpusEntry {
  name: string;
  style: string;
  /** Rule slug -> number of findings; every other rule must stay silent. */
  expect: Record<string, number>;
  /** Builds offline from ./app with the local stand-in base images. */
  build: boolean;
  /** Part of the default integration run (original and fixed built and run on every engine). */
  integration?: boolean;
  /**
   * Build context: `app` (default, ./app: no dependencies) or `module-app` (the fixture app that needs
   * modules; built with the fixture module proxy as the named build context `goproxy`).
   */
  context?: 'app' | 'module-app';
}

export const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));
/** Build context of the corpus app (go.mod, empty go.sum, main.go). */
export const CORPUS_APP_DIR = join(CORPUS_DIR, 'app');

export const CORPUS: CorpusEntry[] = (
  JSON.parse(readFileSync(join(CORPUS_DIR, 'corpus.json'), 'utf8')) as { entries: CorpusEntry[] }
).entries;

export function corpusDockerfile(name: string): string {
  return readFileSync(join(CORPUS_DIR, 'dockerfiles', `${name}.Dockerfile`), 'utf8');
}

/** What the app prints when started as `argv0` with GREETING=`greeting` (unset: "hello"). */
export function expectedOutput(argv0: string, greeting = 'hello'): string {
  return `${greeting} from the corpus app (argv0=${argv0})`;
}

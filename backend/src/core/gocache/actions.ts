import { MAX_GO_SUM_BYTES, isProjectGoSum, parseGoSum, parseZipHash, type GoSumLine } from './goSum.js';
import { parseDownloadPath } from './moduleCache.js';

/**
 * An extraction action: the layer walker reads a file's bytes only when an action matches it (up to
 * `maxBytes`); every other body is skipped without being copied.
 */
export interface ExtractionAction {
  name: string;
  matches(path: string, size: number): boolean;
  maxBytes: number;
  onFile(path: string, content: Buffer): void;
}

/** The small files of one layer that the Go checks need, keyed by relative tar path. */
export interface GoFileFacts {
  /** `<root>/cache/download/…/@v/<version>.ziphash` -> `h1:…`. */
  zipHashes: Map<string, string>;
  /** Project go.sum files -> their lines. */
  goSums: Map<string, GoSumLine[]>;
}

export function newGoFileFacts(): GoFileFacts {
  return { zipHashes: new Map(), goSums: new Map() };
}

export function goExtractionActions(facts: GoFileFacts): ExtractionAction[] {
  return [
    {
      name: 'ziphash',
      maxBytes: 4096,
      matches: (path) => path.endsWith('.ziphash') && parseDownloadPath(path)?.ext === 'ziphash',
      onFile: (path, content) => {
        const h = parseZipHash(content.toString('utf8'));
        if (h) facts.zipHashes.set(path, h);
      },
    },
    {
      name: 'go.sum',
      maxBytes: MAX_GO_SUM_BYTES,
      matches: (path, size) => size <= MAX_GO_SUM_BYTES && isProjectGoSum(path),
      onFile: (path, content) => {
        facts.goSums.set(path, parseGoSum(content.toString('utf8')));
      },
    },
  ];
}

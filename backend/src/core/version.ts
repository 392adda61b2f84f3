import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, for SARIF, the API and `--help`; read once from the backend's package.json. */
export function toolVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      cached = pkg.version ?? '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}

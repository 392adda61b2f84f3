import { ensureFixtures } from '../fixtures/fixtureImages.js';
import { NO_ENGINE_MESSAGE, engines } from './engines.js';

/**
 * Integration setup: checks the engines and builds the fixture images on each (idempotent: images whose
 * inputs did not change are kept). In CI a missing engine or image store fails the run instead of skipping.
 */
export default async function setup(): Promise<void> {
  if (engines.length === 0) {
    if (process.env.CI) throw new Error(`integration tests in CI need engines: ${NO_ENGINE_MESSAGE}`);
    process.stderr.write(`integration tests skipped: ${NO_ENGINE_MESSAGE}\n`);
    return;
  }
  const stores = new Set(engines.map((e) => e.store));
  if (process.env.CI && !(stores.has('containerd') && stores.has('overlay2'))) {
    throw new Error(
      `CI needs one engine per image store (containerd and overlay2); got: ${[...stores].join(', ')}`,
    );
  }
  const started = Date.now();
  await Promise.all(
    engines.map((e) => ensureFixtures(e, (s) => process.stderr.write(`[fixtures ${e.store}] ${s}\n`))),
  );
  process.stderr.write(
    `fixture images ready on ${engines.length} engine(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

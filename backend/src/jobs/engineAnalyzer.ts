import { analyzeImage } from '../core/analyzeImage.js';
import type { ResultStore } from '../core/store/resultStore.js';
import type { Engine } from '../docker/engine.js';
import { engineImageSource } from '../docker/imageSource.js';
import type { AnalyzeFn } from './analysisJobs.js';

/** The real analyze function of the job queue: exports the image from the engine, stores the result. */
export function engineAnalyzer(engine: Engine, store: ResultStore): AnalyzeFn {
  return (image, { signal, onProgress, noCache }) =>
    analyzeImage(engineImageSource(engine, image), { store, signal, onProgress, noCache: noCache ?? false });
}

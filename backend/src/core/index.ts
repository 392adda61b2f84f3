// The core's public API: image analysis, its result contract, the result store and the errors.
export * from './analysisTypes.js';
export * from './errors.js';
export * from './severity.js';
export * from './sarif.js';
export {
  analyzeImage,
  archiveFileSource,
  assemble,
  type AnalyzeOptions,
  type ImageConfig,
  type ImageDescription,
  type ImageSource,
} from './analyzeImage.js';
export { readImageArchive, type ArchiveImage, type ReadArchiveOptions } from './image/archiveReader.js';
export { ResultStore, defaultStoreDir, type StoredAnalysis } from './store/resultStore.js';
export { FINDING_RULES, type FindingRule } from './findings/rules.js';
export { humanBytes } from './findings/humanBytes.js';
export type { LayerSummary } from './layers/layerSummary.js';

// doctor
export * from './doctor/index.js';

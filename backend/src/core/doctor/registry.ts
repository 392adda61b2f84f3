import type { RuleDefinition } from './rule.js';
import { cacheCopiedToFinalStage } from './rules/cacheCopiedToFinalStage.js';
import { cgoOnStaticRuntime } from './rules/cgoOnStaticRuntime.js';
import { checksumDbDisabled } from './rules/checksumDbDisabled.js';
import { cleanupInSeparateLayer } from './rules/cleanupInSeparateLayer.js';
import { cleanupWrongPath } from './rules/cleanupWrongPath.js';
import { copyBeforeDownload } from './rules/copyBeforeDownload.js';
import { floatingBaseTag } from './rules/floatingBaseTag.js';
import { go111moduleNotOn } from './rules/go111moduleNotOn.js';
import { mergedGoCaches } from './rules/mergedGoCaches.js';
import { missingDockerignore } from './rules/missingDockerignore.js';
import { noBuildCacheMount } from './rules/noBuildCacheMount.js';
import { noCrossCompilePlatform } from './rules/noCrossCompilePlatform.js';
import { noModuleCacheMount } from './rules/noModuleCacheMount.js';
import { toolchainInFinalImage } from './rules/toolchainInFinalImage.js';
import { unpinnedGoInstall } from './rules/unpinnedGoInstall.js';

/**
 * Every Dockerfile rule, in the order their fixes are applied: structure first (runtime stage, what is
 * copied where, cache paths), then cache mounts, then the smaller rewrites. The README's rule table and
 * the SARIF rule list are generated from this list.
 */
export const RULES: readonly RuleDefinition[] = [
  toolchainInFinalImage,
  cacheCopiedToFinalStage,
  mergedGoCaches,
  cleanupWrongPath,
  noModuleCacheMount,
  noBuildCacheMount,
  cleanupInSeparateLayer,
  copyBeforeDownload,
  cgoOnStaticRuntime,
  noCrossCompilePlatform,
  floatingBaseTag,
  go111moduleNotOn,
  checksumDbDisabled,
  unpinnedGoInstall,
  missingDockerignore,
];

export function findRule(id: string): RuleDefinition | undefined {
  return RULES.find((r) => r.id === id);
}

import { isApiError } from '../api/client';
import type { BuildCacheListing, PruneAnswer, PruneSelection } from '../api/types';
import { formatBytes } from '../lib/format';
import { errorInfo, failed, idle, loading, ready } from './remote';
import type { ErrorInfo, Remote, SliceCreator } from './types';

export interface PruneFlow {
  /** idle -> planning (dry run) -> confirm (dialog open) -> pruning -> idle */
  phase: 'idle' | 'planning' | 'confirm' | 'pruning';
  selection?: PruneSelection;
  plan?: PruneAnswer;
  error?: ErrorInfo;
}

export interface BuildCacheSlice {
  buildCache: Remote<BuildCacheListing>;
  prune: PruneFlow;
  loadBuildCache(): Promise<void>;
  /** Dry run; opens the confirm dialog with exactly what would go. */
  planPrune(selection?: PruneSelection): Promise<void>;
  /** Deletes the planned selection (confirm: true) and reports the reclaimed space. */
  confirmPrune(): Promise<void>;
  cancelPrune(): void;
}

const GO_CACHES: PruneSelection = { scope: 'go-caches' };

export const createBuildCacheSlice: SliceCreator<BuildCacheSlice> = (set, get, { client }) => ({
  buildCache: idle(),
  prune: { phase: 'idle' },

  async loadBuildCache() {
    set({ buildCache: loading(get().buildCache) });
    try {
      set({ buildCache: ready(await client.buildCache()) });
    } catch (e) {
      set({ buildCache: failed(e, get().buildCache) });
    }
  },

  async planPrune(selection = GO_CACHES) {
    if (get().prune.phase === 'planning' || get().prune.phase === 'pruning') return;
    set({ prune: { phase: 'planning', selection } });
    try {
      const plan = await client.prune(selection, { dryRun: true });
      set({ prune: { phase: 'confirm', selection, plan } });
    } catch (e) {
      set({ prune: { phase: 'idle', selection, error: errorInfo(e) } });
      get().notify('error', `Dry run failed: ${errorInfo(e).message}`);
    }
  },

  async confirmPrune() {
    const { selection, plan, phase } = get().prune;
    if (phase !== 'confirm' || !selection || !plan) return;
    set({ prune: { phase: 'pruning', selection, plan } });
    try {
      // The same selection as the dry run; the backend refuses when it no longer matches.
      const answer = await client.prune(selection, {
        dryRun: false,
        confirm: true,
        selection: plan.selection,
      });
      set({ prune: { phase: 'idle' } });
      const reclaimed = answer.reclaimedBytes ?? answer.bytes;
      const n = answer.records.length;
      const left = answer.notDeleted?.length ?? 0;
      get().notify(
        left > 0 ? 'warning' : 'success',
        `Reclaimed ${formatBytes(reclaimed)} from ${n} Go cache record${n === 1 ? '' : 's'}` +
          (left > 0 ? `; ${left} could not be deleted` : ''),
      );
    } catch (e) {
      const info = errorInfo(e);
      set({ prune: { phase: 'idle', selection, error: info } });
      if (isApiError(e) && e.code === 'conflict') {
        get().notify('warning', `The build cache changed since the dry run: ${info.message}`);
      } else {
        get().notify('error', `Prune failed: ${info.message}`);
      }
    }
    await get().loadBuildCache();
  },

  cancelPrune() {
    if (get().prune.phase === 'pruning') return;
    set({ prune: { phase: 'idle' } });
  },
});

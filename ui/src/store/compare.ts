import type { CompareEntry, PastAnalysis } from '../api/types';
import { failed, idle, loading, ready } from './remote';
import type { Remote, SliceCreator } from './types';

export const MIN_COMPARE = 2;
export const MAX_COMPARE = 5;

export interface CompareState {
  selected: string[];
  data: Remote<CompareEntry[]>;
  trendImage?: string;
  trend: Remote<PastAnalysis[]>;
}

export interface CompareSlice {
  compare: CompareState;
  /** Keeps at most five images; loads the comparison once two are picked. */
  setCompareSelection(imageIds: string[]): Promise<void>;
  loadTrend(imageId: string): Promise<void>;
}

export const createCompareSlice: SliceCreator<CompareSlice> = (set, get, { client }) => {
  const patch = (p: Partial<CompareState>) => set({ compare: { ...get().compare, ...p } });
  return {
    compare: { selected: [], data: idle(), trend: idle() },

    async setCompareSelection(imageIds) {
      const selected = [...new Set(imageIds)].slice(0, MAX_COMPARE);
      patch({ selected });
      if (selected.length < MIN_COMPARE) {
        patch({ data: idle() });
        return;
      }
      patch({ data: loading(get().compare.data) });
      try {
        const entries = await client.compare(selected);
        if (get().compare.selected.join(',') === selected.join(',')) patch({ data: ready(entries) });
      } catch (e) {
        if (get().compare.selected.join(',') === selected.join(',')) patch({ data: failed(e) });
      }
    },

    async loadTrend(imageId) {
      patch({ trendImage: imageId, trend: loading() });
      try {
        const past = await client.pastAnalyses(imageId, 30);
        if (get().compare.trendImage === imageId) patch({ trend: ready(past) });
      } catch (e) {
        if (get().compare.trendImage === imageId) patch({ trend: failed(e) });
      }
    },
  };
};

import type { HistoryEntry, ImageSummary } from '../api/types';
import { failed, idle, loading, ready } from './remote';
import type { Remote, SliceCreator } from './types';

export type ImageSortKey = 'name' | 'tag' | 'size' | 'goCache' | 'analyzed';

export interface ImageTableState {
  filter: string;
  pollutedOnly: boolean;
  sort: { key: ImageSortKey; dir: 'asc' | 'desc' };
}

export interface ImagesSlice {
  images: Remote<ImageSummary[]>;
  histories: Record<string, Remote<HistoryEntry[]>>;
  imageTable: ImageTableState;
  loadImages(): Promise<void>;
  loadHistory(imageId: string): Promise<void>;
  setImageTable(patch: Partial<ImageTableState>): void;
}

export const createImagesSlice: SliceCreator<ImagesSlice> = (set, get, { client }) => ({
  images: idle(),
  histories: {},
  imageTable: { filter: '', pollutedOnly: false, sort: { key: 'goCache', dir: 'desc' } },
  async loadImages() {
    set({ images: loading(get().images) });
    try {
      set({ images: ready(await client.images()) });
    } catch (e) {
      set({ images: failed(e, get().images) });
    }
  },
  async loadHistory(imageId) {
    const prev = get().histories[imageId];
    set({ histories: { ...get().histories, [imageId]: loading(prev) } });
    try {
      const history = await client.history(imageId);
      set({ histories: { ...get().histories, [imageId]: ready(history) } });
    } catch (e) {
      set({ histories: { ...get().histories, [imageId]: failed(e, prev) } });
    }
  },
  setImageTable(patch) {
    set({ imageTable: { ...get().imageTable, ...patch } });
  },
});

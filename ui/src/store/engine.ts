import type { Health } from '../api/types';
import { failed, idle, loading, ready } from './remote';
import type { Remote, SliceCreator } from './types';

export interface EngineSlice {
  health: Remote<Health>;
  loadHealth(): Promise<void>;
}

export const createEngineSlice: SliceCreator<EngineSlice> = (set, get, { client }) => ({
  health: idle(),
  async loadHealth() {
    set({ health: loading(get().health) });
    try {
      set({ health: ready(await client.health()) });
    } catch (e) {
      set({ health: failed(e, get().health) });
    }
  },
});

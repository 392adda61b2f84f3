import { createStore, type StoreApi } from 'zustand/vanilla';
import { createAnalysesSlice } from './analyses';
import { createBuildCacheSlice } from './buildCache';
import { createBuildsSlice } from './builds';
import { createCompareSlice } from './compare';
import { createDoctorSlice } from './doctor';
import { createEngineSlice } from './engine';
import { createImagesSlice } from './images';
import { createNavSlice } from './nav';
import { createNotifySlice } from './notify';
import type { LensState, StoreDeps } from './types';

export type { LensState, StoreDeps, Remote, ErrorInfo } from './types';

function defaultStorage(): StoreDeps['storage'] {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** One store per app (and per test), built from its slices around the injected client. */
export function createLensStore(deps: StoreDeps): StoreApi<LensState> {
  const full: StoreDeps = { ...deps, storage: 'storage' in deps ? deps.storage : defaultStorage() };
  return createStore<LensState>()((set, get) => ({
    ...createNavSlice(set, get, full),
    ...createNotifySlice(set, get, full),
    ...createEngineSlice(set, get, full),
    ...createImagesSlice(set, get, full),
    ...createAnalysesSlice(set, get, full),
    ...createBuildCacheSlice(set, get, full),
    ...createBuildsSlice(set, get, full),
    ...createDoctorSlice(set, get, full),
    ...createCompareSlice(set, get, full),
  }));
}

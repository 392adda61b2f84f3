import type { StoreApi } from 'zustand/vanilla';
import type { DesktopClient, LensClient } from '../api/client';
import type { AnalysesSlice } from './analyses';
import type { BuildCacheSlice } from './buildCache';
import type { BuildsSlice } from './builds';
import type { CompareSlice } from './compare';
import type { DoctorSlice } from './doctor';
import type { EngineSlice } from './engine';
import type { ImagesSlice } from './images';
import type { NavSlice } from './nav';
import type { NotifySlice } from './notify';

/** What the store needs from the outside; tests pass fakes. */
export interface StoreDeps {
  client: LensClient;
  /** Present inside Docker Desktop (toasts, navigation to the image view). */
  desktop?: DesktopClient;
  /** Where UI preferences and the running batch are kept; defaults to localStorage when available. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** Poll interval for job progress when no event stream is available (ms). */
  pollMs?: number;
  /**
   * Poll interval of the build list when no event stream is available (Docker Desktop), and the delay
   * before a broken build feed is opened again (ms).
   */
  buildsPollMs?: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

/** Server data as the views see it. */
export interface Remote<T> {
  status: 'idle' | 'loading' | 'ready' | 'error';
  data?: T;
  error?: ErrorInfo;
}

export type LensState = NavSlice &
  NotifySlice &
  EngineSlice &
  ImagesSlice &
  AnalysesSlice &
  BuildCacheSlice &
  BuildsSlice &
  DoctorSlice &
  CompareSlice;

export type SetState = StoreApi<LensState>['setState'];
export type GetState = StoreApi<LensState>['getState'];

export type SliceCreator<T> = (set: SetState, get: GetState, deps: StoreDeps) => T;

import type { SliceCreator } from './types';

export type ViewName = 'overview' | 'images' | 'image' | 'build-cache' | 'doctor' | 'compare';
export type ThemeMode = 'system' | 'light' | 'dark';

export interface Route {
  view: ViewName;
  /** The image shown by the detail view. */
  imageId?: string;
}

export interface NavSlice {
  route: Route;
  themeMode: ThemeMode;
  navigate(view: ViewName, imageId?: string): void;
  setThemeMode(mode: ThemeMode): void;
}

const THEME_KEY = 'gocache-lens.theme';
const SIMPLE_VIEWS: readonly ViewName[] = ['overview', 'images', 'build-cache', 'doctor', 'compare'];

/** `#/images/<id>` and friends; anything unknown is the overview. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [head, id] = parts;
  if (head === 'images' && id) {
    try {
      return { view: 'image', imageId: decodeURIComponent(id) };
    } catch {
      return { view: 'images' };
    }
  }
  if (head && (SIMPLE_VIEWS as readonly string[]).includes(head)) return { view: head as ViewName };
  return { view: 'overview' };
}

export function formatHash(route: Route): string {
  if (route.view === 'image' && route.imageId) return `#/images/${encodeURIComponent(route.imageId)}`;
  return `#/${route.view === 'image' ? 'images' : route.view}`;
}

export const createNavSlice: SliceCreator<NavSlice> = (set, _get, deps) => {
  const stored = deps.storage?.getItem(THEME_KEY);
  return {
    route: { view: 'overview' },
    themeMode: stored === 'light' || stored === 'dark' ? stored : 'system',
    navigate(view, imageId) {
      set({ route: view === 'image' && imageId ? { view, imageId } : { view: view === 'image' ? 'images' : view } });
    },
    setThemeMode(mode) {
      deps.storage?.setItem(THEME_KEY, mode);
      set({ themeMode: mode });
    },
  };
};

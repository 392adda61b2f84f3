import type { SliceCreator } from './types';

export type ViewName =
  'overview' | 'images' | 'image' | 'builds' | 'build' | 'build-cache' | 'doctor' | 'compare';
export type ThemeMode = 'system' | 'light' | 'dark';

export interface Route {
  view: ViewName;
  /** The image shown by the detail view. */
  imageId?: string;
  /** The build shown by the build page. */
  buildRef?: string;
}

export interface NavSlice {
  route: Route;
  themeMode: ThemeMode;
  /** `id`: the image of the 'image' view, the build ref of the 'build' view. */
  navigate(view: ViewName, id?: string): void;
  setThemeMode(mode: ThemeMode): void;
}

const THEME_KEY = 'gocache-lens.theme';
const SIMPLE_VIEWS: readonly ViewName[] = [
  'overview',
  'images',
  'builds',
  'build-cache',
  'doctor',
  'compare',
];

/** `#/images/<id>`, `#/builds/<ref>` and friends; anything unknown is the overview. */
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
  if (head === 'builds' && id) {
    try {
      return { view: 'build', buildRef: decodeURIComponent(id) };
    } catch {
      return { view: 'builds' };
    }
  }
  if (head && (SIMPLE_VIEWS as readonly string[]).includes(head)) return { view: head as ViewName };
  return { view: 'overview' };
}

export function formatHash(route: Route): string {
  if (route.view === 'image' && route.imageId) return `#/images/${encodeURIComponent(route.imageId)}`;
  if (route.view === 'build' && route.buildRef) return `#/builds/${encodeURIComponent(route.buildRef)}`;
  return `#/${route.view === 'image' ? 'images' : route.view === 'build' ? 'builds' : route.view}`;
}

export const createNavSlice: SliceCreator<NavSlice> = (set, _get, deps) => {
  const stored = deps.storage?.getItem(THEME_KEY);
  return {
    route: { view: 'overview' },
    themeMode: stored === 'light' || stored === 'dark' ? stored : 'system',
    navigate(view, id) {
      if (view === 'image' || view === 'build') {
        if (id) set({ route: view === 'image' ? { view, imageId: id } : { view, buildRef: id } });
        else set({ route: { view: view === 'image' ? 'images' : 'builds' } });
        return;
      }
      set({ route: { view } });
    },
    setThemeMode(mode) {
      deps.storage?.setItem(THEME_KEY, mode);
      set({ themeMode: mode });
    },
  };
};

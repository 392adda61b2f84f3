/**
 * Where the page runs: inside Docker Desktop (window.ddClient exists) or as the standalone page served by
 * `gocache-lens serve`, opened as `/?token=…`. The token is read from the address once, kept in
 * sessionStorage and removed from the address bar.
 */
import { desktopTransport, fetchTransport, LensClient, type DesktopClient } from './client';

const TOKEN_KEY = 'gocache-lens.token';

export interface Environment {
  client: LensClient;
  /** Present inside Docker Desktop. */
  desktop?: DesktopClient;
}

export function desktopClient(win: Window = window): DesktopClient | undefined {
  const dd = (win as Window & { ddClient?: DesktopClient }).ddClient;
  return dd && dd.extension ? dd : undefined;
}

/** Reads `?token=` once, keeps it for this tab and strips it from the visible address. */
export function takeToken(win: Window = window): string | undefined {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // storage disabled: keep it for this page only
    }
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function detectEnvironment(win: Window = window): Environment {
  const desktop = desktopClient(win);
  if (desktop) return { client: new LensClient(desktopTransport(desktop)), desktop };
  return { client: new LensClient(fetchTransport({ token: takeToken(win) })) };
}

import { useEffect } from 'react';
import { formatHash, parseHash } from '../store/nav';
import { useLens, useLensStore } from '../store/context';

/** Keeps the current view in the URL hash (#/images/<id>), so reloads and back/forward work. */
export function useHashRoute(): void {
  const store = useLensStore();
  const route = useLens((s) => s.route);

  useEffect(() => {
    const apply = () => {
      const r = parseHash(window.location.hash);
      const cur = store.getState().route;
      if (r.view !== cur.view || r.imageId !== cur.imageId || r.buildRef !== cur.buildRef)
        store.getState().navigate(r.view, r.imageId ?? r.buildRef);
    };
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, [store]);

  useEffect(() => {
    const hash = formatHash(route);
    if (window.location.hash !== hash) window.history.pushState(null, '', hash);
  }, [route]);
}

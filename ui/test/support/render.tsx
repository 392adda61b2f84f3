import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { DesktopClient, Transport } from '../../src/api/client';
import { createLensStore } from '../../src/store';
import { LensProvider } from '../../src/store/context';
import { LensThemeProvider } from '../../src/theme/LensThemeProvider';
import { fakeTransport, memoryStorage, type Routes } from './fakeTransport';

/** Renders `ui` inside the real store and theme, over a fake transport. */
export function renderWithStore(
  ui: ReactElement,
  opts: {
    routes: Routes;
    desktop?: DesktopClient;
    kind?: 'desktop' | 'standalone';
    pollMs?: number;
    buildsPollMs?: number;
    events?: Transport['events'];
  } = {
    routes: {},
  },
) {
  const fake = fakeTransport(opts.routes, { kind: opts.kind, events: opts.events });
  const store = createLensStore({
    client: fake.client,
    desktop: opts.desktop,
    storage: memoryStorage(),
    pollMs: opts.pollMs ?? 20,
    buildsPollMs: opts.buildsPollMs,
  });
  const utils = render(
    <LensProvider store={store} client={fake.client} desktop={opts.desktop}>
      <LensThemeProvider mode="light">{ui}</LensThemeProvider>
    </LensProvider>,
  );
  return { ...utils, store, calls: fake.calls, client: fake.client };
}

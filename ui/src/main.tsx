import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { detectEnvironment } from './api/environment';
import { createLensStore } from './store';
import { LensProvider } from './store/context';

const env = detectEnvironment();
const store = createLensStore({ client: env.client, desktop: env.desktop });
const root = document.getElementById('root');
if (!root) throw new Error('no #root element');

createRoot(root).render(
  <StrictMode>
    <LensProvider store={store} client={env.client} desktop={env.desktop}>
      <App />
    </LensProvider>
  </StrictMode>,
);

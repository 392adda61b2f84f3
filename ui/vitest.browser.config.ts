import { defineConfig } from 'vitest/config';

// Browser tests: headless Chromium against the built page, the real backend and a real engine.
// One file at a time: they share the engine and the backend's export slots.
export default defineConfig({
  test: {
    name: 'ui-browser',
    environment: 'node',
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/globalSetup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});

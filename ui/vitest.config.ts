import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Component and store tests in jsdom, with a fake transport under the real client.
export default defineConfig({
  plugins: [react()],
  test: {
    name: 'ui-unit',
    environment: 'jsdom',
    include: ['test/unit/**/*.test.{ts,tsx}'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 20_000,
    server: { deps: { inline: ['@docker/docker-mui-theme'] } },
  },
});

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// base './' lets the same build load from the extension's ui folder and from the standalone server.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev`: the API is served by `gocache-lens serve` (default port 7412).
    proxy: { '/api': 'http://127.0.0.1:7412' },
  },
});

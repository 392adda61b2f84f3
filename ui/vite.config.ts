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
    // `npm run dev`: open the dev page with the `?token=` that `gocache-lens serve` printed; API calls go
    // to that server (default port 7412, or LENS_API). Its guard accepts only its own Host and Origin.
    proxy: {
      '/api': {
        target: process.env.LENS_API ?? 'http://127.0.0.1:7412',
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => req.removeHeader('origin'));
        },
      },
    },
  },
});

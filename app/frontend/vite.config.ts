/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dev server proxies the backend's paths the way nginx does in production, so the
// storefront always calls same-origin `/api` and never needs CORS.
const backend = process.env.BACKEND_URL ?? 'http://127.0.0.1:8000';
const proxied = ['/api', '/admin', '/static', '/media'];

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) }
  },
  server: {
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: backend }]))
  },
  build: {
    // Hashed files under dist/assets/ get long-cache headers from nginx; index.html does not.
    assetsDir: 'assets',
    sourcemap: false
  },
  test: {
    globals: true,
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    testTimeout: 20_000
  }
});

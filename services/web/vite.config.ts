/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Development only: the dev server proxies the APIs so the browser sees ONE origin, as it does
// when a service serves the built files (cookies and CSRF work without CORS).
const consent = process.env.PA_WEB_CONSENT_URL ?? 'http://127.0.0.1:8082';
const console_ = process.env.PA_WEB_CONSOLE_URL ?? 'http://127.0.0.1:8084';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    // Everything is a file under /assets: nothing inlined (strict CSP, no data: scripts).
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/v1/wizard': consent,
      '/consent': consent,
      '/v1': console_,
      '/auth': console_,
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
  },
});

import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is served by `lull serve` (and, later, embedded in the desktop app): relative asset
// paths, no inline scripts or styles (the CSP forbids them), one chunk per vendor for caching.
export default defineConfig({
  plugins: [svelte()],
  base: './',
  clearScreen: false,
  // The dictionaries are Lull's, shared with the Rust side, in `../locales`.
  server: { port: 1420, strictPort: true, proxy: { '/api': 'http://127.0.0.1:7707' }, fs: { allow: ['..'] } },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
  },
  // Vitest loads Svelte's browser build so components can mount under jsdom.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});

import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The bench pages (bench/index.html + bench/page/), importing offthread from ../src by its published names.
// Built unminified, so CPU profiles name the functions; served (preview) with COOP/COEP, so the page is
// cross-origin isolated and performance.now() has 5 µs resolution.
export const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^offthread$/, replacement: resolve(import.meta.dirname, '../src/index.ts') },
      { find: /^offthread\/worker$/, replacement: resolve(import.meta.dirname, '../src/worker.ts') },
    ],
  },
  worker: { format: 'es' },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
  },
  server: { host: '127.0.0.1', headers: crossOriginIsolation },
  preview: { host: '127.0.0.1', headers: crossOriginIsolation },
});

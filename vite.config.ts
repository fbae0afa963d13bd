import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { demoApi } from './demo/api-plugin.ts';

// `vite` / `vite build`: the demo app (index.html + demo/).
// `vite build --mode lib`: the package's entry points into dist/ (types come from tsc, see package.json).
export default defineConfig(({ mode }) =>
  mode === 'lib'
    ? {
        build: {
          outDir: 'dist',
          emptyOutDir: true,
          sourcemap: true,
          minify: false,
          target: 'es2022',
          lib: {
            entry: {
              index: resolve(import.meta.dirname, 'src/index.ts'),
              worker: resolve(import.meta.dirname, 'src/worker.ts'),
              'service-worker': resolve(import.meta.dirname, 'src/service-worker.ts'),
              dashboard: resolve(import.meta.dirname, 'src/dashboard.ts'),
              testing: resolve(import.meta.dirname, 'src/testing.ts'),
              react: resolve(import.meta.dirname, 'src/react.ts'),
              vue: resolve(import.meta.dirname, 'src/vue.ts'),
              // Node only: BullMQ and its Redis client stay the app's (optional peer dependencies).
              bullmq: resolve(import.meta.dirname, 'src/bullmq.ts'),
            },
            formats: ['es'],
          },
          rolldownOptions: {
            // uplot's stylesheet (`uplot/dist/uPlot.min.css?inline`) is not external: it is inlined as text.
            // react and vue are the app's own (peer dependencies of offthread/react and offthread/vue); BullMQ and its
            // Redis client too (optional peer dependencies of the Node-only offthread/bullmq).
            external: ['comlink', 'idb', 'croner', 'uplot', 'react', 'vue', 'bullmq', 'ioredis', /^node:/],
          },
        },
      }
    : {
        // The demo imports the package by its published names, as a user's app would.
        resolve: {
          alias: [
            { find: /^offthread$/, replacement: resolve(import.meta.dirname, 'src/index.ts') },
            { find: /^offthread\/worker$/, replacement: resolve(import.meta.dirname, 'src/worker.ts') },
            { find: /^offthread\/dashboard$/, replacement: resolve(import.meta.dirname, 'src/dashboard.ts') },
            { find: /^offthread\/service-worker$/, replacement: resolve(import.meta.dirname, 'src/service-worker.ts') },
          ],
        },
        // POST /api/upload and /api/outage, for the demo's network jobs (dev and preview alike).
        plugins: [demoApi()],
        // Pack tests build apps under .tmp/: the dev server must not reload pages for them.
        // The demo's service worker is served from /demo/sw.ts in dev; this lets it take the scope `/` if asked.
        server: {
          watch: { ignored: ['**/.tmp/**', '**/demo-dist/**', '**/dist/**'] },
          headers: { 'Service-Worker-Allowed': '/' },
        },
        // Found up front, so the dev server never reloads a page to add a dependency mid-test.
        optimizeDeps: { include: ['comlink', 'idb', 'croner', 'workbox-window', 'uplot'] },
        worker: { format: 'es' },
        // Apart from the library's dist/, so that building one never erases the other.
        // The service worker is a second input, written as sw.js at the root (a module service worker).
        build: {
          target: 'es2022',
          outDir: 'demo-dist',
          rolldownOptions: {
            input: { main: resolve(import.meta.dirname, 'index.html'), sw: resolve(import.meta.dirname, 'demo/sw.ts') },
            output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
          },
        },
      },
);

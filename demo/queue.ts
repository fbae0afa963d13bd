// The page's queue. One per page: every module of the demo shares it.
import { createQueue } from 'offthread';
import type { Tasks } from './tasks';

/** The library's default, spelled out so that the page can show it: one core stays with the page. */
export const concurrency = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);

export const queue = createQueue<Tasks>({
  name: 'demo',
  worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }),
  concurrency,
  storage: 'indexeddb',
  // A run lost to a reload is run again; the default (1) fails a job that loses two runs that way,
  // which a visitor pressing Reload twice in a row would hit.
  maxStalls: 5,
  // The service worker (demo/sw.ts, built as sw.js) finishes jobs after the last tab closes.
  serviceWorker: import.meta.env.DEV ? '/demo/sw.ts' : '/sw.js',
});

export type DemoQueue = typeof queue;

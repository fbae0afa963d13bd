// The test service worker: runs one queue with `serveQueue`, served from source by Vite's dev server and
// registered (as a module) by sw-page.ts, at the scope /test/e2e/harness/.
//   ?queue=NAME&budgetMs=N&lockWaitMs=N&concurrency=N
// It also logs each event's dispatch and the settling of the promises given to `waitUntil` (sw-log.ts),
// so a test sees when an event ended and whether it failed.
import { serveQueue } from '../../../src/service-worker';
import { swTasks } from './network-tasks';
import { writeSwLog } from './sw-log';

// The run log names who ran each job after `self.name` (a worker's name); a service worker has none.
(self as unknown as { name: string }).name = 'service-worker';

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
  readonly tag?: string;
  readonly lastChance?: boolean;
}

const params = new URLSearchParams(self.location.search);
const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
const instance = Math.random().toString(36).slice(2, 10);

void writeSwLog({ instance, kind: 'script', onLine: navigator.onLine, at: Date.now() }).catch(() => {});

// Registered before serveQueue's listeners, so it is called first and sees every `waitUntil` they make.
for (const type of ['sync', 'periodicsync', 'activate', 'message']) {
  self.addEventListener(type, (e) => {
    const event = e as ExtendableEventLike;
    const at = Date.now();
    const waitUntil = event.waitUntil.bind(event);
    const onLine = navigator.onLine;
    const started = writeSwLog({ instance, kind: 'event', type, tag: event.tag, lastChance: event.lastChance, onLine, at });
    waitUntil(started.catch(() => undefined));
    let pending = 0;
    let failure: unknown;
    event.waitUntil = (promise) => {
      waitUntil(promise);
      pending++;
      const settled = (error?: unknown) => {
        if (error !== undefined) failure ??= error;
        if (--pending > 0) return;
        const settledAt = Date.now();
        const outcome = failure === undefined ? ('fulfilled' as const) : ('rejected' as const);
        return started.then((key) =>
          writeSwLog({ key, instance, kind: 'event', type, tag: event.tag, lastChance: event.lastChance, onLine, at, settledAt, outcome, error: failure === undefined ? undefined : String(failure) }),
        );
      };
      // A second extension that always fulfils: the event's outcome stays the one of `promise`.
      waitUntil(promise.then(() => settled(), (error: unknown) => settled(error ?? 'rejected')).catch(() => undefined));
    };
  });
}

serveQueue({
  queue: params.get('queue') ?? 'harness',
  tasks: swTasks,
  ...(number('budgetMs') !== undefined && { budgetMs: number('budgetMs') }),
  ...(number('lockWaitMs') !== undefined && { lockWaitMs: number('lockWaitMs') }),
  ...(number('concurrency') !== undefined && { concurrency: number('concurrency') }),
});

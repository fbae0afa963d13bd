// A harness page whose queue has a service worker (sw.ts), for test/e2e/service-worker.spec.ts. Hands the
// queue to Playwright as `window.swHarness` (main.ts's pages have `window.harness`). URL parameters:
//   ?queue=NAME&tab=LABEL&concurrency=N
//   &worker=0        no worker pool: the page adds and listens, never runs the queue (nor takes its lock)
//   &sw=0            no service worker
//   &budgetMs=N&lockWaitMs=N&swConcurrency=N   passed to the service worker's serveQueue
import * as lib from '../../../src/index';
import { createQueue, type JobInfo, type Queue } from '../../../src/index';
import type { SwTasks } from './network-tasks';
import { readRunLog, type RunEntry } from './run-log';
import { readSwLog, type SwLogEntry } from './sw-log';

const params = new URLSearchParams(location.search);
const name = params.get('queue') ?? 'sw-harness';
const tab = params.get('tab') ?? `tab-${Math.random().toString(36).slice(2, 8)}`;
const swQuery = new URLSearchParams({ queue: name });
for (const [from, to] of [['budgetMs', 'budgetMs'], ['lockWaitMs', 'lockWaitMs'], ['swConcurrency', 'concurrency']] as const) {
  if (params.has(from)) swQuery.set(to, params.get(from)!);
}
const swUrl = `/test/e2e/harness/sw.ts?${swQuery}`;

const queue: Queue<SwTasks> = createQueue<SwTasks>({
  name,
  concurrency: Number(params.get('concurrency') ?? 2),
  ...(params.get('worker') !== '0' && {
    worker: () => new Worker(new URL('./sw-page.worker.ts', import.meta.url), { type: 'module', name: tab }),
  }),
  ...(params.get('sw') !== '0' && { serviceWorker: swUrl }),
});

/** Every event this page saw, in order, as plain data. */
const events: Array<{ event: string; id?: string; state?: string; attempt?: number; result?: unknown; progress?: unknown; error?: string; at: number }> = [];
for (const event of ['added', 'active', 'progress', 'completed', 'failed', 'retrying', 'stalled', 'cancelled', 'drained', 'error'] as const) {
  queue.on(event, (payload: Record<string, unknown>) => {
    const job = payload.job as { id: string; state: string; attempt: number } | undefined;
    const error = payload.error as Error | undefined;
    events.push({
      event,
      id: job?.id,
      state: job?.state,
      attempt: job?.attempt,
      result: payload.result,
      progress: payload.progress,
      error: error && `${error.name}: ${error.message}`,
      at: Date.now(),
    });
  });
}

/** An error as plain data: name, message, code, HTTP status, the library classes it is an instance of, and its cause. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
  status?: number;
  retryAfterMs?: number;
  classes: string[];
  cause?: ErrorData;
}

const CLASSES = ['JobFailedError', 'UnrecoverableError', 'FetchError', 'JobCancelledError', 'WorkerCrashedError', 'JobTimeoutError'] as const;

function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error), classes: [] };
  const e = error as Error & { code?: unknown; status?: unknown; retryAfterMs?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' && { code: e.code }),
    ...(typeof e.status === 'number' && { status: e.status }),
    ...(typeof e.retryAfterMs === 'number' && { retryAfterMs: e.retryAfterMs }),
    classes: CLASSES.filter((c) => error instanceof (lib[c] as Function)),
    ...(e.cause !== undefined && { cause: errorData(e.cause) }),
  };
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorData };

/** What a page followed of one job through its handle: its progress values and how its `result` settled. */
interface Followed {
  progress: unknown[];
  outcome?: Outcome;
}
const followed = new Map<string, Followed>();

declare global {
  interface Window {
    swHarness: {
      tab: string;
      queue: Queue<SwTasks>;
      events: typeof events;
      runLog(): Promise<RunEntry[]>;
      swLog(): Promise<SwLogEntry[]>;
      /**
       * Resolves once the queue's service worker is registered and active (its state `activating` or
       * `activated`), with its script URL, scope and state.
       */
      swReady(): Promise<{ scriptURL: string; scope: string; state: ServiceWorkerState }>;
      /** Resolves once the queue's service worker is `activated` (its `activate` event has ended). */
      swActivated(): Promise<void>;
      /** Waits for a job's result (through `getJob(id).result`), as plain data. */
      outcome(id: string): Promise<Outcome>;
      /** The stored job, as plain data (`getJob(id).info()`). */
      info(id: string): Promise<JobInfo | undefined>;
      /** Starts following a job through its handle (`onProgress`, `result`); `followed(id)` says what came. */
      follow(id: string): Promise<void>;
      followed(id: string): Followed | undefined;
    };
  }
}

async function outcome(id: string): Promise<Outcome> {
  const job = await queue.getJob(id);
  if (!job) return { ok: false, error: { name: 'NotFound', message: `no job ${id}`, classes: [] } };
  try {
    return { ok: true, value: await job.result };
  } catch (error) {
    return { ok: false, error: errorData(error) };
  }
}

window.swHarness = {
  tab,
  queue,
  events,
  runLog: readRunLog,
  swLog: readSwLog,
  async swReady() {
    const registration = await queue.serviceWorkerRegistration;
    if (!registration) throw new Error('the service worker was not registered (see the queue error events)');
    await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (!worker) throw new Error('no active service worker');
    return { scriptURL: worker.scriptURL, scope: registration.scope, state: worker.state };
  },
  async swActivated() {
    const registration = await queue.serviceWorkerRegistration;
    await navigator.serviceWorker.ready;
    const worker = registration?.active;
    if (!worker) throw new Error('no active service worker');
    if (worker.state !== 'activated') {
      await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
    }
  },
  outcome,
  async info(id) {
    return (await queue.getJob(id))?.info();
  },
  async follow(id) {
    const job = await queue.getJob(id);
    if (!job) throw new Error(`no job ${id}`);
    const entry: Followed = { progress: [] };
    followed.set(id, entry);
    job.onProgress((value) => entry.progress.push(value));
    job.result.then(
      (value) => (entry.outcome = { ok: true, value }),
      (error: unknown) => (entry.outcome = { ok: false, error: errorData(error) }),
    );
  },
  followed: (id) => followed.get(id),
};
document.title = `sw harness ${tab}`;
document.body.dataset.ready = 'true';

// A page that makes one queue from its URL's parameters and hands it to Playwright as `window.harness`.
//   ?queue=NAME&concurrency=N&tab=LABEL&storage=indexeddb|memory&worker=0 (no worker: add and listen only)
//   &maxStalls=N&retention=all (keep every finished job)
// If `createQueue` throws, the page is still marked ready: `harness.createError` says what was thrown
// (and `harness.queue` is then undefined at run time).
import * as lib from '../../../src/index';
import { createQueue, type Queue } from '../../../src/index';
import { readRunLog, type RunEntry } from './run-log';
import type { HarnessTasks } from './tasks';

const params = new URLSearchParams(location.search);
const tab = params.get('tab') ?? `tab-${Math.random().toString(36).slice(2, 8)}`;
const withWorker = params.get('worker') !== '0';

/** What `createQueue` threw, if it threw (synchronously), as plain data. */
interface CreateError {
  name: string;
  message: string;
  code: string | undefined;
  isStorageError: boolean;
  isTypeError: boolean;
}

let createError: CreateError | undefined;
let made: Queue<HarnessTasks> | undefined;
try {
  made = createQueue<HarnessTasks>({
    name: params.get('queue') ?? 'harness',
    storage: (params.get('storage') as 'indexeddb' | 'memory' | null) ?? 'indexeddb',
    concurrency: Number(params.get('concurrency') ?? 2),
    ...(params.has('maxStalls') && { maxStalls: Number(params.get('maxStalls')) }),
    // retention=all keeps every finished job (the default keeps the newest 1,000 completed).
    ...(params.get('retention') === 'all' && { retention: { completed: false, failed: false, cancelled: false } }),
    ...(withWorker && {
      worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module', name: tab }),
    }),
  });
} catch (error) {
  const e = error as Error & { code?: string };
  createError = {
    name: e.name,
    message: e.message,
    code: e.code,
    isStorageError: error instanceof lib.StorageError,
    isTypeError: error instanceof TypeError,
  };
}
const queue = made as Queue<HarnessTasks>;

/** Every event this page saw, in order, as plain data. */
const events: Array<{ event: string; id?: string; state?: string; attempt?: number; result?: unknown; error?: string; at: number }> = [];
for (const event of ['added', 'active', 'progress', 'completed', 'failed', 'retrying', 'stalled', 'cancelled', 'drained', 'error'] as const) {
  queue?.on(event, (payload: Record<string, unknown>) => {
    const job = payload.job as { id: string; state: string; attempt: number } | undefined;
    const error = payload.error as Error | undefined;
    events.push({ event, id: job?.id, state: job?.state, attempt: job?.attempt, result: payload.result, error: error && `${error.name}: ${error.message}`, at: Date.now() });
  });
}

/** An error as plain data, for assertions in Playwright. */
export interface ErrorFacts {
  name: string;
  message: string;
  stack: string | undefined;
  code: string | undefined;
  /** The library's classes (and the built-in error classes) it is an instance of. */
  classes: string[];
  /** `InvalidJobError.path`, `StorageError.usage` / `.quota`, `JobFailedError.jobId`, when set. */
  path?: string;
  usage?: number;
  quota?: number;
  jobId?: string;
  cause?: ErrorFacts | { value: string };
}

const CLASSES = [
  'OffthreadError', 'JobFailedError', 'JobTimeoutError', 'JobCancelledError', 'WorkerCrashedError', 'StorageError',
  'InvalidJobError', 'UnrecoverableError', 'QueueClosedError',
] as const;
const BUILT_IN: Array<[string, Function]> = [
  ['Error', Error], ['TypeError', TypeError], ['RangeError', RangeError], ['DOMException', DOMException],
];

function errorFacts(error: unknown): ErrorFacts | { value: string } {
  if (!(error instanceof Error) && !(error instanceof DOMException)) return { value: String(error) };
  const e = error as Error & { code?: unknown; path?: unknown; usage?: unknown; quota?: unknown; jobId?: unknown };
  const facts: ErrorFacts = {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: typeof e.code === 'string' ? e.code : undefined,
    classes: [
      ...CLASSES.filter((name) => error instanceof (lib[name] as Function)),
      ...BUILT_IN.filter(([, c]) => error instanceof c).map(([name]) => name),
    ],
  };
  if (typeof e.path === 'string') facts.path = e.path;
  if (typeof e.usage === 'number') facts.usage = e.usage;
  if (typeof e.quota === 'number') facts.quota = e.quota;
  if (typeof e.jobId === 'string') facts.jobId = e.jobId;
  if (e.cause !== undefined) facts.cause = errorFacts(e.cause);
  return facts;
}

/** What came of some work: its value, or its error as plain data. */
export type Settled = { ok: true; value: unknown; ms: number } | { ok: false; error: ErrorFacts; ms: number };

declare global {
  interface Window {
    harness: {
      tab: string;
      queue: Queue<HarnessTasks>;
      events: typeof events;
      runLog(): Promise<RunEntry[]>;
      /** Waits for a job's result as plain data: `{ ok, value }` or `{ ok: false, name, message, cause }`. */
      outcome(id: string): Promise<{ ok: true; value: unknown } | { ok: false; name: string; message: string; cause?: string }>;
      /** What `createQueue` threw, if it threw. */
      createError: CreateError | undefined;
      /** The library's exports (its error classes, for `instanceof` checks in the page; `createQueue`). */
      lib: typeof lib;
      /**
       * Runs `work` (sync or async) and says what came of it, as plain data: its value (a job handle becomes
       * its id), or its error with class, code, path, usage, quota, stack and cause; and how long it took.
       */
      settle(work: () => unknown): Promise<Settled>;
      /** An error as plain data (see `settle`). */
      errorFacts(error: unknown): ErrorFacts | { value: string };
    };
  }
}

window.harness = {
  tab,
  queue,
  events,
  runLog: readRunLog,
  async outcome(id) {
    const job = await queue.getJob(id);
    if (!job) return { ok: false, name: 'NotFound', message: `no job ${id}` };
    try {
      return { ok: true, value: await job.result };
    } catch (error) {
      const e = error as Error;
      return { ok: false, name: e.name, message: e.message, cause: e.cause instanceof Error ? `${e.cause.name}: ${e.cause.message}` : undefined };
    }
  },
  createError,
  lib,
  async settle(work) {
    const start = performance.now();
    try {
      let value = await work();
      if (value instanceof lib.JobHandle) value = value.id;
      else if (Array.isArray(value)) value = value.map((v: unknown) => (v instanceof lib.JobHandle ? v.id : v));
      return { ok: true, value, ms: performance.now() - start };
    } catch (error) {
      return { ok: false, error: errorFacts(error) as ErrorFacts, ms: performance.now() - start };
    }
  },
  errorFacts,
};
document.title = `harness ${tab}`;
document.body.dataset.ready = 'true';

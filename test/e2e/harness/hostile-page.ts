// A page with one queue on the hostile handlers' worker (test/fixtures/hostile-tasks.ts), for
// test/e2e/hostile-handlers.spec.ts: ?queue=NAME&storage=indexeddb|memory&concurrency=N
import * as lib from '../../../src/index';
import { createQueue, type Queue } from '../../../src/index';
import type { HostileTasks } from '../../fixtures/hostile-tasks';

const params = new URLSearchParams(location.search);
const queue: Queue<HostileTasks> = createQueue<HostileTasks>({
  name: params.get('queue') ?? 'hostile',
  storage: (params.get('storage') as 'indexeddb' | 'memory' | null) ?? 'indexeddb',
  concurrency: Number(params.get('concurrency') ?? 2),
  worker: () => new Worker(new URL('../../fixtures/hostile-tasks.worker.ts', import.meta.url), { type: 'module' }),
});

/** Every event this page saw, as plain data. */
const events: Array<{ event: string; id: string | undefined; state: string | undefined; progress?: unknown; error?: string }> = [];
for (const event of ['active', 'progress', 'completed', 'failed', 'retrying', 'stalled', 'error'] as const) {
  queue.on(event, (payload: Record<string, unknown>) => {
    const job = payload.job as { id: string; state: string } | undefined;
    const error = payload.error as Error | undefined;
    events.push({ event, id: job?.id, state: job?.state, ...(event === 'progress' && { progress: payload.progress }), ...(error && { error: `${error.name}: ${error.message}` }) });
  });
}

/** An error as plain data, with its cause chain. */
export interface ErrorFacts {
  name: string;
  message: string;
  code: string | undefined;
  path: string | undefined;
  classes: string[];
  cause: ErrorFacts | undefined;
}

const CLASSES = ['OffthreadError', 'JobFailedError', 'JobTimeoutError', 'WorkerCrashedError', 'StorageError', 'InvalidJobError', 'UnrecoverableError'] as const;

function errorFacts(error: unknown, depth = 0): ErrorFacts | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined;
  const e = error as Error & { code?: unknown; path?: unknown };
  return {
    name: e.name,
    message: e.message,
    code: typeof e.code === 'string' ? e.code : undefined,
    path: typeof e.path === 'string' ? e.path : undefined,
    classes: [...CLASSES.filter((name) => error instanceof (lib[name] as Function)), ...(error instanceof TypeError ? ['TypeError'] : [])],
    cause: errorFacts(e.cause, depth + 1),
  };
}

/** What came of some work: its value (a job handle becomes its id), or its error as plain data. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: ErrorFacts };

declare global {
  interface Window {
    hostile: {
      queue: Queue<HostileTasks>;
      lib: typeof lib;
      events: typeof events;
      settle(work: () => unknown): Promise<Settled>;
      /** Waits for job `id` to end; its stored record and how its result went. */
      outcome(id: string): Promise<{ info: lib.JobInfo | undefined; settled: Settled }>;
    };
  }
}

async function settle(work: () => unknown): Promise<Settled> {
  try {
    let value = await work();
    if (value instanceof lib.JobHandle) value = value.id;
    else if (Array.isArray(value)) value = value.map((v: unknown) => (v instanceof lib.JobHandle ? v.id : v));
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: errorFacts(error) ?? { name: 'NotAnError', message: String(error), code: undefined, path: undefined, classes: [], cause: undefined } };
  }
}

window.hostile = {
  queue,
  lib,
  events,
  settle,
  async outcome(id) {
    const job = await queue.getJob(id);
    const settled = await settle(() => job?.result);
    return { info: await job?.info(), settled };
  },
};
document.body.dataset.ready = 'true';

// A page that makes one queue from its URL's parameters and hands it to Playwright as `window.harness`.
//   ?queue=NAME&concurrency=N&tab=LABEL&storage=indexeddb|memory&worker=0 (no worker: add and listen only)
import { createQueue, type Queue } from '../../../src/index';
import { readRunLog, type RunEntry } from './run-log';
import type { HarnessTasks } from './tasks';

const params = new URLSearchParams(location.search);
const tab = params.get('tab') ?? `tab-${Math.random().toString(36).slice(2, 8)}`;
const withWorker = params.get('worker') !== '0';

const queue: Queue<HarnessTasks> = createQueue<HarnessTasks>({
  name: params.get('queue') ?? 'harness',
  storage: (params.get('storage') as 'indexeddb' | 'memory' | null) ?? 'indexeddb',
  concurrency: Number(params.get('concurrency') ?? 2),
  ...(params.has('maxStalls') && { maxStalls: Number(params.get('maxStalls')) }),
  ...(withWorker && {
    worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module', name: tab }),
  }),
});

/** Every event this page saw, in order, as plain data. */
const events: Array<{ event: string; id?: string; state?: string; attempt?: number; result?: unknown; error?: string; at: number }> = [];
for (const event of ['added', 'active', 'progress', 'completed', 'failed', 'retrying', 'stalled', 'cancelled', 'drained', 'error'] as const) {
  queue.on(event, (payload: Record<string, unknown>) => {
    const job = payload.job as { id: string; state: string; attempt: number } | undefined;
    const error = payload.error as Error | undefined;
    events.push({ event, id: job?.id, state: job?.state, attempt: job?.attempt, result: payload.result, error: error && `${error.name}: ${error.message}`, at: Date.now() });
  });
}

declare global {
  interface Window {
    harness: {
      tab: string;
      queue: Queue<HarnessTasks>;
      events: typeof events;
      runLog(): Promise<RunEntry[]>;
      /** Waits for a job's result as plain data: `{ ok, value }` or `{ ok: false, name, message, cause }`. */
      outcome(id: string): Promise<{ ok: true; value: unknown } | { ok: false; name: string; message: string; cause?: string }>;
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
};
document.title = `harness ${tab}`;
document.body.dataset.ready = 'true';

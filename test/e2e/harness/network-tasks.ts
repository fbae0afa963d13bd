// Tasks of the service-worker and network tests (test/e2e/service-worker.spec.ts), beside the harness's own
// (tasks.ts): served by the workers of sw-page.html and by the service worker (sw.ts). Each run is logged
// (see run-log.ts).
import { defineTasks, type TaskContext } from '../../../src/worker';
import { logRun } from './run-log';
import { tasks } from './tasks';

/** What `upload` resolves with. */
export interface UploadResult {
  status: number;
  /** The server's answer. */
  body: string;
  /** The attempt that got it. */
  attempt: number;
  /** Who ran it: the tab's worker name, or `service-worker`. */
  ranIn: string;
}

export const networkTasks = defineTasks({
  /**
   * POSTs `body` (the job id unless given) as text/plain (a CORS simple request: no preflight) to `url` with
   * `ctx.fetch`: a network failure, 5xx or 429 is retryable (Retry-After honoured), another 4xx unrecoverable.
   * A network job by default: it waits while the browser is offline.
   */
  upload: {
    requiresNetwork: true,
    async run(input: { url: string; body?: string }, ctx: TaskContext): Promise<UploadResult> {
      const end = await logRun(ctx.jobId, ctx.attempt);
      try {
        const response = await ctx.fetch(input.url, { method: 'POST', body: input.body ?? ctx.jobId });
        const value = { status: response.status, body: await response.text(), attempt: ctx.attempt, ranIn: self.name || 'unknown' };
        await end('ok');
        return value;
      } catch (error) {
        await end('threw');
        throw error;
      }
    },
  },
});

/** The harness tasks and the network ones: what sw-page's workers and the service worker serve. */
export const swTasks = { ...tasks, ...networkTasks };
export type SwTasks = typeof swTasks;

// The tour's tasks: a heartbeat for the schedule, two that kill their worker, and a network upload.
// Plain code, no DOM: run by the page's workers and (except the crashes) by the service worker.
import { defineTasks } from 'offthread/worker';

/** What the demo server's `POST /api/upload` answers with. */
export interface UploadReceipt {
  receipt: string;
  bytes: number;
  at: string;
}

/** A `self.close()` that never returns: the worker is gone, so the run never settles by itself. */
function killThisWorker(): Promise<never> {
  self.close();
  return new Promise<never>(() => {});
}

export const tourTasks = defineTasks({
  /** A periodic job's small task: says when it beat. */
  heartbeat: (data: { note: string }) => `${data.note} at ${new Date().toLocaleTimeString('en-GB')}`,

  /**
   * Kills its worker on every run: a poison pill. The pool notices at once (Web Locks), runs it again,
   * and after `maxStalls` lost runs the job ends `failed`, saying why.
   */
  crash: {
    serviceWorker: false, // `self.close()` is for workers; the service worker leaves this to a page.
    run: (_: null): Promise<never> => killThisWorker(),
  },

  /** Kills its worker on its first attempt only, then succeeds: what at-least-once delivery looks like. */
  crashOnce: {
    serviceWorker: false,
    run: (_: null, ctx): Promise<string> | string => (ctx.attempt === 1 ? killThisWorker() : `recovered on attempt ${ctx.attempt}`),
  },

  /**
   * POSTs a small file to the demo server with `ctx.fetch`: a 503 (with Retry-After) or a network failure
   * is retried with backoff; a job that needs the network waits while the browser is offline, spending nothing.
   */
  upload: {
    requiresNetwork: true,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000, maxDelay: 10_000 },
    async run(data: { file: string; text: string }, ctx): Promise<UploadReceipt> {
      const response = await ctx.fetch(`/api/upload?file=${encodeURIComponent(data.file)}`, { method: 'POST', body: data.text });
      return (await response.json()) as UploadReceipt;
    },
  },
});

// A tab that follows a queue and runs none of its jobs (no worker), as `window.observer`: it counts the events
// it hears and awaits the results of the jobs it is told to follow, keeping only small outcomes, so that what
// its heap holds at the end is what the library kept. ?queue=NAME
import { createQueue, type JobHandle } from '../../../src/index';
import { readRunLog, type RunEntry } from './run-log';
import type { HarnessTasks } from './tasks';

const queue = createQueue<HarnessTasks>({ name: new URLSearchParams(location.search).get('queue') ?? 'harness' });

/** How many of each event this tab heard. */
const heard: Record<string, number> = {};
for (const event of ['added', 'active', 'progress', 'completed', 'failed', 'retrying', 'stalled', 'error'] as const) {
  queue.on(event, () => void (heard[event] = (heard[event] ?? 0) + 1));
}

/** What a followed job's `result` settled with: its value, or its error's class, message and cause. */
export type FollowedOutcome = { ok: true; value: unknown } | { ok: false; name: string; message: string; cause: string | undefined };

/** Outcomes not taken yet (see `take`), and the followed jobs whose result has not settled. */
const outcomes = new Map<string, FollowedOutcome>();
const pending = new Set<string>();
let following = 0;

declare global {
  interface Window {
    observer: {
      queue: typeof queue;
      heard: typeof heard;
      /** Gets each job's handle and awaits its result in the background; resolves once all are followed. */
      follow(ids: string[]): Promise<number>;
      /** The followed jobs whose result has not settled yet. */
      unsettled(): string[];
      /** The outcomes settled since the last call, let go of here (so that they weigh nothing in this tab's heap). */
      take(): Array<[string, FollowedOutcome]>;
      /** Every run in the origin's run log (see run-log.ts). */
      runLog(): Promise<RunEntry[]>;
    };
  }
}

window.observer = {
  queue,
  heard,
  async follow(ids) {
    const handles = await Promise.all(ids.map((id) => queue.getJob(id)));
    for (const [i, job] of handles.entries()) {
      const id = ids[i]!;
      if (!job) {
        outcomes.set(id, { ok: false, name: 'NotFound', message: `no job ${id}`, cause: undefined });
        continue;
      }
      following++;
      pending.add(id);
      const settle = (outcome: FollowedOutcome) => (pending.delete(id), outcomes.set(id, outcome));
      (job as JobHandle).result.then(
        (value) => settle({ ok: true, value }),
        (error: Error) =>
          settle({
            ok: false,
            name: error.name,
            message: error.message,
            cause: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined,
          }),
      );
    }
    return following;
  },
  unsettled: () => [...pending],
  take() {
    const taken = [...outcomes];
    outcomes.clear();
    return taken;
  },
  runLog: readRunLog,
};
document.body.dataset.ready = 'true';

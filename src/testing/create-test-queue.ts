import { Queue } from '../client/queue';
import type { QueueOptions } from '../client/queue-options';
import { describe } from '../job/job-options';
import type { TaskMap } from '../task/task';
import { InlineTraffic, InlineWorker } from './inline-worker';
import { nextTurn, TestClock } from './test-clock';

/** Options of {@link createTestQueue}: those of `createQueue` that make sense in a thread of its own, and the clock's start. */
export interface TestQueueOptions extends Omit<QueueOptions, 'name' | 'worker' | 'storage' | 'serviceWorker' | 'persist' | 'clock' | 'concurrency'> {
  /**
   * The queue's name (its jobs are in memory, so names only tell queues apart in events and errors).
   * @default 'test'
   */
  name?: string;
  /**
   * Jobs run at once. One by default, so that jobs run in the order they were added, as a test expects.
   * @default 1
   */
  concurrency?: number;
  /**
   * Where {@link TestQueue.clock} starts: epoch milliseconds or a `Date`.
   * @default Date.now() when the queue is made
   */
  now?: number | Date;
}

/** The options `createQueue` has and a test queue does not: it runs its tasks inline, in memory, on its own clock. */
const NOT_HERE = new Set(['worker', 'storage', 'serviceWorker', 'persist', 'clock']);

/** Turns of the event loop {@link TestQueue} waits at most for its messages to settle before it says they never do. */
const MAX_SETTLE_TURNS = 10_000;

/**
 * A queue for tests of application code, made by {@link createTestQueue}: the `Queue` API, with handlers run
 * in this thread, jobs kept in memory, and time moved by the test (`queue.clock`).
 */
export class TestQueue<Tasks extends TaskMap = TaskMap> extends Queue<Tasks> {
  /** The queue's time: delays, backoff, timeouts, leases and schedules wait for `clock.advance(ms)`. */
  readonly clock: TestClock;
  readonly #traffic: InlineTraffic;

  /** @internal Use {@link createTestQueue}. */
  constructor(tasks: Tasks, options: TestQueueOptions = {}) {
    if (typeof tasks !== 'object' || tasks === null || Array.isArray(tasks)) {
      throw new TypeError(`Expected createTestQueue() to be given the tasks (as defineTasks returns them), got ${describe(tasks)}`);
    }
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected createTestQueue() options to be an object, got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (NOT_HERE.has(key)) throw new TypeError(`createTestQueue() runs its tasks in this thread, in memory, on its own clock: \`${key}\` is not one of its options`);
    }
    const { now, name = 'test', concurrency = 1, ...rest } = options;
    const traffic = new InlineTraffic();
    const clock = new TestClock(now, () => settle(traffic));
    super({ ...rest, name, concurrency, storage: 'memory', clock, worker: () => new InlineWorker(tasks, traffic) as unknown as Worker });
    this.clock = clock;
    this.#traffic = traffic;
  }

  /**
   * Resolves once nothing is waiting or running (or the queue is paused with nothing running). Jobs that wait
   * for their time (`delayed`, a retry's backoff) are left for `clock.advance(ms)`.
   * @example
   * await saveDraft(queue, draft);   // app code that adds jobs and does not wait for them
   * await queue.drain();
   * expect(await queue.counts()).toMatchObject({ completed: 1 });
   */
  async drain(): Promise<void> {
    for (;;) {
      await settle(this.#traffic);
      const { waiting, active } = await this.counts();
      if (active === 0 && (waiting === 0 || (await this.isPaused()))) return;
      // A handler that awaits something real (I/O, a promise the test resolves): wait for what it does next.
      await new Promise<void>((resolve) => {
        const offs = (['active', 'completed', 'failed', 'retrying', 'stalled', 'cancelled', 'drained'] as const).map((event) => this.on(event, done));
        const timer = setTimeout(done, 10);
        function done(): void {
          clearTimeout(timer);
          for (const off of offs) off();
          resolve();
        }
      });
    }
  }
}

/**
 * Makes a queue that runs `tasks` in this thread, for tests of application code: in Node, jsdom or happy-dom
 * (no Worker, no IndexedDB, no Web Locks needed) as well as in a browser. It is the `Queue` of
 * `createQueue`, with the same types, kept in memory; jobs go to the tasks through the same messages a
 * worker gets (so data and results are structured-cloned, as in a worker). Time is the queue's own:
 * `queue.clock.advance(ms)` moves it.
 *
 * What differs from a worker: a handler cannot be terminated in this thread. A timeout, a cancel past
 * `cancelGraceMs` or `close()` ends the run at once (the job moves on as it would) and aborts the handler's
 * `ctx.signal`; a handler that ignores its signal runs to its end, and what it returns then is dropped.
 * @example
 * import { createTestQueue } from 'offthread/testing';
 * import { tasks } from './tasks';
 * const queue = createTestQueue(tasks);
 * expect(await queue.run('fib', 10)).toBe(55);
 */
export function createTestQueue<Tasks extends TaskMap>(tasks: Tasks, options?: TestQueueOptions): TestQueue<Tasks> {
  return new TestQueue(tasks, options);
}

/**
 * Waits until no message between the queue and its inline workers is in flight, two turns of the event
 * loop in a row (what a delivered message starts, a reply included, has begun by then).
 */
async function settle(traffic: InlineTraffic): Promise<void> {
  for (let turns = 0, quiet = 0; quiet < 2; turns++) {
    if (turns === MAX_SETTLE_TURNS) {
      throw new Error(`The test queue did not settle: its workers kept sending messages for ${MAX_SETTLE_TURNS} turns of the event loop (a handler reporting progress in an endless loop?)`);
    }
    await nextTurn();
    quiet = traffic.inFlight === 0 ? quiet + 1 : 0;
  }
}

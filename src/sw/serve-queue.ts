import { Cron } from 'croner';
import { MAX_TIMER_MS, systemClock, withLongTimers, type Clock } from '../clock';
import { JobCancelledError } from '../errors';
import { checkDuration, checkInteger, describe } from '../job/job-options';
import { createRunner } from '../runner/create-runner';
import type { Runner } from '../runner/runner';
import { Scheduler } from '../schedule/scheduler';
import { IdbJobStore } from '../store/idb-job-store';
import { runnerLockName } from '../tabs/owner-lock';
import { QueueChannel, slim, type QueueMessage } from '../tabs/queue-channel';
import { manifestOf, splitDefinition, type TaskMap } from '../task/task';
import { InThreadExecutor } from './in-thread-executor';
import { periodicSyncTag, syncTag, type DrainMessage } from './sync-tags';

/** Options of {@link serveQueue}. */
export interface ServeQueueOptions {
  /** The queue's name, as given to `createQueue` in the page. */
  queue: string;
  /** The tasks (the same object the page's workers serve); those with `serviceWorker: false` wait for a page. */
  tasks: TaskMap;
  /**
   * Milliseconds of an event the queue may use before it stops starting jobs, hands back what still runs,
   * and lets the event end. Chromium stops a `sync` event after 3 minutes and other events after 5.
   * @default 150_000 in a `sync` event, 240_000 in others
   */
  budgetMs?: number;
  /**
   * Jobs run at once in the service worker's thread (handlers that await I/O overlap; CPU work does not).
   * @default 1
   */
  concurrency?: number;
  /**
   * How long to wait for the tab that runs the queue to let go (it may be closing) before leaving the work to it.
   * @default 30_000
   */
  lockWaitMs?: number;
  /** As in `createQueue`. @default 1 */
  maxStalls?: number;
  /** For tests that control time. @default the system clock */
  clock?: Clock;
}

/** What one drain did. */
export interface DrainReport {
  /** False if a tab held the queue the whole time (it runs the jobs then). */
  ran: boolean;
  /** Runs that ended here (completed, failed or retried). */
  settled: number;
  /** Jobs this service worker could run now but left for later (out of budget). */
  left: number;
}

// The few service worker types used here (TypeScript's DOM lib has none, and its WebWorker lib clashes with it).
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface SyncEventLike extends ExtendableEventLike {
  readonly tag: string;
  readonly lastChance?: boolean;
}
interface MessageEventLike extends ExtendableEventLike {
  readonly data: unknown;
}
interface ServiceWorkerScopeLike {
  addEventListener(type: 'sync' | 'periodicsync', listener: (event: SyncEventLike) => void): void;
  addEventListener(type: 'activate', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
}

const SYNC_EVENT_BUDGET_MS = 150_000;
/** How often a draining service worker looks for a page that wants the queue. */
const PAGE_CHECK_MS = 250;
/** How long handlers cut off by the budget have to stop after their signal aborts. */
const ABORT_GRACE_MS = 5_000;
const OTHER_EVENT_BUDGET_MS = 240_000;

/**
 * Runs a queue in the service worker when no page does: on `sync` (Background Sync: when the network is
 * back, or soon after the last page closed), on `periodicsync` (due schedules), at activation, and when a
 * closing page asks (where Background Sync is missing). Jobs run in this thread, within a time budget,
 * each recorded as it ends; what is left keeps the `sync` pending so the browser fires it again, and on
 * the last chance is left for the next page.
 * @example
 * // sw.ts
 * import { serveQueue } from 'offthread/service-worker';
 * import { tasks } from './tasks';
 * serveQueue({ queue: 'images', tasks });
 */
export function serveQueue(options: ServeQueueOptions): void {
  const o = resolveOptions(options);
  const scope = globalThis as unknown as ServiceWorkerScopeLike;
  scope.addEventListener('sync', (event) => {
    if (event.tag !== syncTag(o.queue)) return;
    event.waitUntil(
      drainQueue(o, Math.min(o.budgetMs ?? SYNC_EVENT_BUDGET_MS, SYNC_EVENT_BUDGET_MS)).then(async (report) => {
        // A rejected sync is fired again later by the browser; on its last chance the work waits for a page.
        // A tab that still runs the queue may close before then: while work waits, the sync stays pending.
        const left = report.ran ? report.left : await pendingWork(o);
        if (left > 0 && !event.lastChance) throw new Error(`offthread: ${left} jobs of "${o.queue}" left for a later sync`);
      }),
    );
  });
  scope.addEventListener('periodicsync', (event) => {
    if (event.tag !== periodicSyncTag(o.queue)) return;
    event.waitUntil(drainQueue(o, o.budgetMs ?? OTHER_EVENT_BUDGET_MS));
  });
  scope.addEventListener('activate', () => {
    // Not through waitUntil: while a service worker activates, the browser holds back the fetches of the
    // pages it will control (the page's own worker scripts among them). And only if no tab runs the queue:
    // the tab that registered this service worker usually does, for as long as it lives.
    const failed = (error: unknown) => console.error(`offthread: queue "${o.queue}" in the service worker:`, error);
    storeManifest(o).catch(failed);
    drainQueue(o, o.budgetMs ?? OTHER_EVENT_BUDGET_MS, { waitForLock: false }).catch(failed);
  });
  scope.addEventListener('message', (event) => {
    const data = event.data as DrainMessage | undefined;
    if (data?.type !== 'offthread:drain' || data.queue !== o.queue) return;
    event.waitUntil(drainQueue(o, o.budgetMs ?? OTHER_EVENT_BUDGET_MS).catch(() => undefined));
  });
}

/**
 * Runs the queue's due schedules and ready jobs in this thread until nothing is left or `budgetMs` is
 * spent, if no tab runs the queue: it waits up to `lockWaitMs` for a closing tab to let go, or, with
 * `waitForLock: false`, runs only if no tab holds the queue now.
 */
export function drainQueue(options: ServeQueueOptions, budgetMs: number, how: { waitForLock?: boolean } = {}): Promise<DrainReport> {
  // The budget counts from the event, not from this drain's turn.
  const deadline = (options.clock ?? systemClock).now() + budgetMs;
  // One drain at a time in this service worker: a second event waits for the first instead of queueing a
  // lock request of its own, which the first would take for a page that wants the queue, and yield to.
  const drain = draining.then(() => drainOnce(options, deadline, how));
  draining = drain.catch(() => undefined);
  return drain;
}

let draining: Promise<unknown> = Promise.resolve();

async function drainOnce(options: ServeQueueOptions, deadline: number, { waitForLock = true }: { waitForLock?: boolean }): Promise<DrainReport> {
  const o = resolveOptions(options);
  // Timers of any length: a budget or a timeout past 2^31 - 1 ms would fire at once on the browser's own.
  const clock = withLongTimers(o.clock ?? systemClock);
  const budgetMs = deadline - clock.now();
  const notRun: DrainReport = { ran: false, settled: 0, left: 0 };
  // Its time went by while an earlier event drained: what is left waits for the next one.
  if (budgetMs <= 0) return notRun;
  if (!waitForLock) {
    return navigator.locks.request(runnerLockName(o.queue), { ifAvailable: true }, (lock) =>
      lock ? runUntil(o, clock, deadline) : notRun,
    );
  }
  // No service worker event lives anywhere near setTimeout's longest delay: a longer wait is that one.
  const lockWait = AbortSignal.timeout(Math.min(o.lockWaitMs ?? 30_000, budgetMs, MAX_TIMER_MS));
  try {
    return await navigator.locks.request(runnerLockName(o.queue), { signal: lockWait }, () => runUntil(o, clock, deadline));
  } catch (error) {
    if (lockWait.aborted) return notRun;
    throw error;
  }
}

async function runUntil(o: ServeQueueOptions, clock: Clock, deadline: number): Promise<DrainReport> {
  const store = await IdbJobStore.open(
    o.queue,
    { now: () => clock.now(), random: Math.random },
    {
      onQuarantined: (reports) => reports.forEach(({ message }) => console.error(`offthread: queue "${o.queue}" in the service worker:`, message)),
      onError: (error) => console.error(`offthread: queue "${o.queue}" in the service worker:`, error),
    },
  );
  const served = servedTasks(o.tasks);
  const executor = new InThreadExecutor(o.tasks, clock);
  let settled = 0;
  let drained!: () => void;
  const idle = new Promise<void>((resolve) => (drained = resolve));
  let pausedHere!: () => void;
  const paused = new Promise<'paused'>((resolve) => (pausedHere = () => resolve('paused')));
  const channel = new QueueChannel(o.queue, (message) => relay(message, runner, pausedHere));
  const runner: Runner = createRunner({
    queue: o.queue,
    store,
    executor,
    clock,
    listener: {
      job: (event, job) => {
        if (event !== 'active' && event !== 'stalled') settled++;
        channel.post({ type: 'job', event, job: slim(job) });
      },
      progress: (job, progress) => channel.post({ type: 'progress', job: slim(job), progress }),
      drained: () => drained(),
      error: (error) => console.error(`offthread: queue "${o.queue}" in the service worker:`, error),
    },
    concurrency: o.concurrency ?? 1,
    maxStalls: o.maxStalls,
    names: served,
    label: 'service-worker',
  });
  const scheduler = new Scheduler({
    store,
    clock,
    loadCron: async () => Cron,
    added: () => runner.wake(),
    error: (error) => console.error(`offthread: schedules of "${o.queue}" in the service worker:`, error),
  });
  try {
    if ((await store.getMeta('paused')) === true) return { ran: true, settled: 0, left: 0 };
    await scheduler.wake();
    scheduler.stop();
    await runner.start();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const outOfTime = new Promise<'late'>((resolve) => (timer = clock.setTimeout(() => resolve('late'), Math.max(0, deadline - clock.now()))));
    const pageWaits = new AbortController();
    const stops = [outOfTime, pageWantsQueue(o.queue, pageWaits.signal)] as const;
    let ended = await Promise.race([idle.then(() => 'idle' as const), paused, ...stops]);
    // Paused from a page: nothing more starts, and the drain ends once the runs under way are recorded.
    if (ended === 'paused') ended = await Promise.race([runner.close().then(() => 'idle' as const), ...stops]);
    clock.clearTimeout(timer);
    pageWaits.abort();
    if (ended !== 'idle') {
      // Out of time, or a page wants the queue (pages run jobs on workers, faster than this thread): what still
      // runs goes back to the queue, its attempt not counted; its handler is aborted first, and the queue stays
      // ours until it has stopped, so that its rerun never overlaps it.
      const why = ended === 'late' ? `Out of the service worker's time budget (${o.budgetMs ?? 'default'} ms)` : 'A page took over the queue';
      const handedBack = runner.close({ force: true });
      await executor.abortAll(new JobCancelledError(`${why}: handed back`), ABORT_GRACE_MS);
      await handedBack;
    } else await runner.close();
    // A paused queue leaves nothing for a later sync: it waits for a page to resume it.
    const stillPaused = (await store.getMeta('paused')) === true;
    return { ran: true, settled, left: stillPaused ? 0 : await runnableCount(store, served) };
  } finally {
    scheduler.stop();
    channel.close();
    store.close();
  }
}

/**
 * What the service worker does with what tabs say on the queue's channel while it drains: jobs added wake it; a
 * job cancelled or removed stops its run here, its handler told which; a pause stops it starting jobs (and ends
 * the drain, `paused`), a resume lets it start them again. The rest is for pages: job events and progress (no one
 * waits for them here), a record found corrupt (nothing here waits for it), another runner (none while this one
 * holds the queue), and schedules (a drain turns those due into jobs once, at its start; a page runs the rest).
 */
export function relay(message: QueueMessage, runner: Pick<Runner, 'wake' | 'cancelled' | 'pause' | 'resume'>, paused: () => void): void {
  switch (message.type) {
    case 'added':
      return runner.wake();
    case 'stop':
      return runner.cancelled(message.id, new JobCancelledError(`Job ${message.id} was ${message.removed ? 'removed' : 'cancelled'}`));
    case 'paused':
      if (!message.paused) return runner.resume();
      runner.pause();
      return paused();
  }
}

/** Resolves once a page (or anyone) waits for the queue's runner lock, which this service worker holds. */
async function pageWantsQueue(queue: string, stop: AbortSignal): Promise<'page'> {
  const name = runnerLockName(queue);
  while (!stop.aborted) {
    const { pending = [] } = await navigator.locks.query();
    if (pending.some((lock) => lock.name === name)) return 'page';
    await new Promise((resolve) => setTimeout(resolve, PAGE_CHECK_MS));
  }
  return new Promise<never>(() => {});
}

/**
 * Stores the tasks and their defaults for pages without workers, unless a tab has: such a page checks the jobs it
 * adds against them, and gives them their task's defaults (`attempts`, `requiresNetwork`...). A tab with workers
 * stores its own, newer or not, whenever it opens the queue.
 */
async function storeManifest(o: ServeQueueOptions): Promise<void> {
  const store = await IdbJobStore.open(o.queue, { now: Date.now, random: Math.random });
  try {
    if ((await store.getMeta('tasks')) === undefined) await store.setMeta('tasks', manifestOf(o.tasks));
  } finally {
    store.close();
  }
}

/** Jobs waiting that this service worker could run now (read without taking the queue). */
async function pendingWork(o: ServeQueueOptions): Promise<number> {
  const store = await IdbJobStore.open(o.queue, { now: Date.now, random: Math.random });
  try {
    return await runnableCount(store, servedTasks(o.tasks));
  } finally {
    store.close();
  }
}

/** The tasks a service worker may run: all but those that say `serviceWorker: false`. */
function servedTasks(tasks: TaskMap): Set<string> {
  return new Set(Object.entries(tasks).filter(([, d]) => splitDefinition(d).options.serviceWorker !== false).map(([name]) => name));
}

/**
 * Waiting jobs (of the first thousand) this service worker could run. Network jobs count while offline too:
 * a sync is there for them, and must stay pending until they have run.
 */
async function runnableCount(store: IdbJobStore, served: ReadonlySet<string>): Promise<number> {
  const waiting = await store.list({ state: 'waiting', limit: 1_000, order: 'asc' });
  return waiting.filter((job) => served.has(job.name)).length;
}

function resolveOptions(options: ServeQueueOptions): ServeQueueOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected serveQueue() to be given { queue, tasks }, got ${describe(options)}`);
  if (typeof options.queue !== 'string' || options.queue.length === 0) throw new TypeError(`Expected \`queue\` to be a non-empty string, got ${describe(options.queue)}`);
  if (typeof options.tasks !== 'object' || options.tasks === null) throw new TypeError(`Expected \`tasks\` to be the object made by defineTasks(), got ${describe(options.tasks)}`);
  if (options.budgetMs !== undefined) checkDuration('budgetMs', options.budgetMs, 1);
  if (options.lockWaitMs !== undefined) checkDuration('lockWaitMs', options.lockWaitMs, 0);
  if (options.concurrency !== undefined) checkInteger('concurrency', options.concurrency, 1);
  return options;
}

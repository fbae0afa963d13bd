import { systemClock, withLongTimers, type Clock } from '../clock';
import { checkBoolean, checkDuration, checkInteger, describe } from '../job/job-options';
import type { ServiceWorkerSource } from './service-worker-link';
import { DEFAULT_RETENTION, type Retention, type RetentionOptions } from '../runner/retention';

/** Options of `createQueue`. */
export interface QueueOptions {
  /** The queue's name: one IndexedDB database per name, shared by every tab of the origin. */
  name: string;
  /**
   * Makes one worker that serves the tasks (it calls `serveTasks`). Without it this queue only adds,
   * lists and listens: some other tab (or the service worker) runs the jobs.
   * @example
   * worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' })
   */
  worker?: () => Worker;
  /**
   * Jobs run at once, each on its own worker.
   * @default navigator.hardwareConcurrency - 1, at least 1
   */
  concurrency?: number;
  /**
   * `indexeddb` keeps jobs across reloads and tabs; `memory` keeps them in this page only, with the least overhead.
   * @default 'indexeddb'
   */
  storage?: 'indexeddb' | 'memory';
  /**
   * How long a running job stays claimed if its tab stops renewing the claim and holds no Web Lock
   * (browsers without Web Locks only: elsewhere a closed tab's jobs are taken back at once).
   * @default 30_000
   */
  leaseMs?: number;
  /**
   * Runs a job may lose to a tab or worker dying under it before it ends `failed` (BullMQ's `maxStalledCount`).
   * @default 1
   */
  maxStalls?: number;
  /**
   * After a cancel, milliseconds a running handler has to stop (it sees `ctx.signal`) before its worker is terminated.
   * @default 1_000
   */
  cancelGraceMs?: number;
  /**
   * A worker idle this long is terminated; one is made again when needed.
   * @default 30_000
   */
  idleTimeoutMs?: number;
  /**
   * Whether this queue starts running jobs as soon as it is made. With `false`, call `queue.resume()`.
   * @default true
   */
  autoStart?: boolean;
  /**
   * How long finished jobs are kept before the runner tab deletes them; failed ones are kept longest, for
   * review and retry. `false` keeps every finished job until `clean()`; `false` for one state keeps that state's.
   * @default { completed: { age: 1 day, count: 1000 }, failed: { age: 7 days, count: 10000 }, cancelled: { age: 1 day, count: 1000 } }
   * @example
   * retention: false                                            // keep everything until clean()
   * retention: { completed: { age: 3_600_000 }, failed: false }  // completed ones for an hour, failed ones for good
   */
  retention?: RetentionOptions | false;
  /**
   * Asks the browser to make this origin's storage persistent (`navigator.storage.persist()`), so that jobs
   * are not evicted under storage pressure. The answer is in `queue.storageInfo()`.
   * @default false
   */
  persist?: boolean;
  /**
   * The service worker that runs the queue while no page does (it calls `serveQueue` from
   * `offthread/service-worker`): its script URL, registered as a module through workbox-window, or a
   * registration you made. When the page hides, or a network job waits for the network, the queue asks
   * it to run (Background Sync, or a message where that is missing).
   */
  serviceWorker?: ServiceWorkerSource;
  /** Where time comes from: for tests that control time. @default the system clock */
  clock?: Clock;
}

/** Options with defaults applied. */
export interface ResolvedQueueOptions {
  name: string;
  worker: (() => Worker) | undefined;
  concurrency: number;
  storage: 'indexeddb' | 'memory';
  leaseMs: number;
  maxStalls: number;
  cancelGraceMs: number;
  idleTimeoutMs: number;
  autoStart: boolean;
  retention: Required<RetentionOptions>;
  persist: boolean;
  serviceWorker: ServiceWorkerSource | undefined;
  clock: Clock;
}

const KEYS = new Set([
  'name', 'worker', 'concurrency', 'storage', 'leaseMs', 'maxStalls', 'cancelGraceMs', 'idleTimeoutMs', 'autoStart', 'retention',
  'persist', 'serviceWorker', 'clock',
]);

/** Checks `createQueue`'s options and fills in defaults. Throws `TypeError` saying what was expected and what came. */
export function resolveQueueOptions(options: QueueOptions): ResolvedQueueOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected createQueue() to be given options, as { name, worker }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new TypeError(`Unknown queue option \`${key}\`; expected one of ${[...KEYS].join(', ')}`);
  }
  const { name, worker, storage = 'indexeddb', autoStart = true, persist = false, clock = systemClock } = options;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`Expected \`name\` to be a non-empty string, got ${describe(name)}`);
  }
  if (worker !== undefined && typeof worker !== 'function') {
    throw new TypeError(`Expected \`worker\` to be a function that returns a Worker, got ${describe(worker)}`);
  }
  if (storage !== 'indexeddb' && storage !== 'memory') {
    throw new TypeError(`Expected \`storage\` to be 'indexeddb' or 'memory', got ${describe(storage)}`);
  }
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
  const concurrency = options.concurrency ?? Math.max(1, cores - 1);
  checkInteger('concurrency', concurrency, 1);
  const maxStalls = options.maxStalls ?? 1;
  checkInteger('maxStalls', maxStalls, 0);
  const leaseMs = options.leaseMs ?? 30_000;
  checkDuration('leaseMs', leaseMs, 1_000);
  const cancelGraceMs = options.cancelGraceMs ?? 1_000;
  checkDuration('cancelGraceMs', cancelGraceMs, 0);
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  checkDuration('idleTimeoutMs', idleTimeoutMs, 0);
  checkBoolean('autoStart', autoStart);
  checkBoolean('persist', persist);
  const retention = resolveRetention(options.retention);
  const isClock = typeof clock === 'object' && clock !== null && ['now', 'setTimeout', 'clearTimeout'].every((key) => typeof (clock as unknown as Record<string, unknown>)[key] === 'function');
  if (!isClock) throw new TypeError(`Expected \`clock\` to be { now, setTimeout, clearTimeout }, got ${describe(clock)}`);
  const { serviceWorker } = options;
  const isSource =
    serviceWorker === undefined ||
    typeof serviceWorker === 'string' ||
    serviceWorker instanceof URL ||
    (typeof serviceWorker === 'object' && serviceWorker !== null && ('then' in serviceWorker || 'scope' in serviceWorker));
  if (!isSource) throw new TypeError(`Expected \`serviceWorker\` to be a script URL or a ServiceWorkerRegistration, got ${describe(serviceWorker)}`);
  if (serviceWorker !== undefined && storage === 'memory') {
    throw new TypeError("A service worker cannot run a queue with storage: 'memory': its jobs live in this page only");
  }
  return { name, worker, concurrency, storage, leaseMs, maxStalls, cancelGraceMs, idleTimeoutMs, autoStart, retention, persist, serviceWorker, clock: withLongTimers(clock) };
}

function resolveRetention(options: RetentionOptions | false | undefined): Required<RetentionOptions> {
  if (options === undefined) return DEFAULT_RETENTION;
  if (options === false) return { completed: false, failed: false, cancelled: false };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`retention\` to be false or an object as { completed, failed, cancelled }, got ${describe(options)}`);
  }
  const resolved = { ...DEFAULT_RETENTION };
  for (const [state, rule] of Object.entries(options) as Array<[keyof RetentionOptions, Retention | undefined]>) {
    if (!(state in DEFAULT_RETENTION)) throw new TypeError(`Unknown retention state \`${state}\`; expected completed, failed or cancelled`);
    if (rule === undefined) continue;
    if (rule !== false) {
      if (typeof rule !== 'object' || rule === null) throw new TypeError(`Expected \`retention.${state}\` to be false or { age, count }, got ${describe(rule)}`);
      if (rule.age !== undefined) checkDuration(`retention.${state}.age`, rule.age, 0);
      if (rule.count !== undefined) checkInteger(`retention.${state}.count`, rule.count, 0);
    }
    resolved[state] = rule;
  }
  return resolved;
}

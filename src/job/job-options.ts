import type { BackoffOptions } from './job';

/** Options for one job, given to `queue.add`. */
export interface JobOptions {
  /**
   * The job's id. Adding a job whose id is already stored returns the stored job and adds nothing
   * (idempotency), whatever its state.
   * @default a new id: 24 hex digits, the time (ms) then a counter that starts at random, so ids sort by when they were made (in one tab, in the order made)
   */
  jobId?: string;
  /**
   * Higher runs first; jobs of one priority run in the order they became ready.
   * @default 0
   */
  priority?: number;
  /** Milliseconds to wait before the job may run. Give this or `runAt`, not both. */
  delay?: number;
  /** When the job may run, as a `Date` or epoch milliseconds. Give this or `delay`, not both. */
  runAt?: Date | number;
  /**
   * How many times the handler may run before the job ends `failed`. Runs lost to a dying tab or worker
   * do not count.
   * @default 1
   */
  attempts?: number;
  /**
   * The wait between attempts: an object, or a number of milliseconds for a fixed wait.
   * @default { type: 'exponential', delay: 1000, maxDelay: 3_600_000, jitter: 0.25 }
   */
  backoff?: BackoffOptions | number;
  /**
   * Milliseconds a run may take. When it runs over, its worker is terminated and replaced, and the run
   * fails with `JobTimeoutError` (then retried if attempts remain).
   * @default no limit
   */
  timeout?: number;
  /** Cancels the job while it is queued or running. */
  signal?: AbortSignal;
  /**
   * The job needs the network: while the browser is offline it waits, without spending attempts, and runs
   * when the network is back (in a page, or in the service worker's `sync` event).
   * @default the task's `requiresNetwork`, else false
   */
  requiresNetwork?: boolean;
}

/** A job ready to be stored: options checked and resolved. */
export interface NewJob {
  id: string | undefined;
  name: string;
  data: unknown;
  priority: number;
  /** Epoch milliseconds; in the future for a delayed job. */
  runAt: number;
  attempts: number;
  backoff: BackoffOptions | undefined;
  timeout: number | undefined;
  /** When `add` was called. */
  createdAt: number;
  requiresNetwork: boolean;
}

const OPTION_KEYS = new Set(['jobId', 'priority', 'delay', 'runAt', 'attempts', 'backoff', 'timeout', 'signal', 'requiresNetwork']);

/** Checks a job's options and resolves them against `now`. Throws `TypeError` saying what was expected and what came. */
export function resolveJobOptions(name: string, data: unknown, options: JobOptions | undefined, now: number): NewJob {
  if (options === undefined) {
    return { id: undefined, name, data, priority: 0, runAt: now, attempts: 1, backoff: undefined, timeout: undefined, createdAt: now, requiresNetwork: false };
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected job options to be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(`Unknown job option \`${key}\`; expected one of ${[...OPTION_KEYS].join(', ')}`);
    }
  }
  const { jobId, priority = 0, delay, runAt, attempts = 1, backoff, timeout, signal, requiresNetwork = false } = options;

  if (jobId !== undefined && (typeof jobId !== 'string' || jobId.length === 0)) {
    throw new TypeError(`Expected \`jobId\` to be a non-empty string, got ${describe(jobId)}`);
  }
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new TypeError(`Expected \`priority\` to be a finite number, got ${describe(priority)}`);
  }
  if (delay !== undefined && runAt !== undefined) {
    throw new TypeError('Expected `delay` or `runAt`, not both');
  }
  if (delay !== undefined) checkDuration('delay', delay, 0);
  let due = now + (delay ?? 0);
  if (due > MAX_TIME_MS) throw new TypeError(`Expected \`delay\` to end by the latest time a Date holds (${MAX_TIME_MS} ms since 1970), got ${describe(delay)}`);
  if (runAt !== undefined) {
    const time = runAt instanceof Date ? runAt.getTime() : runAt;
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new TypeError(`Expected \`runAt\` to be a Date or epoch milliseconds, got ${describe(runAt)}`);
    }
    if (time > MAX_TIME_MS) throw new TypeError(`Expected \`runAt\` to be at most ${MAX_TIME_MS} (the latest time a Date holds), got ${describe(runAt)}`);
    // One in the past (however far) is due now.
    due = Math.max(now, time);
  }
  checkInteger('attempts', attempts, 1);
  if (timeout !== undefined) checkDuration('timeout', timeout, 1);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describe(signal)}`);
  }
  checkBoolean('requiresNetwork', requiresNetwork);
  return { id: jobId, name, data, priority, runAt: due, attempts, backoff: resolveBackoff(backoff), timeout, createdAt: now, requiresNetwork };
}

/** Checks a `backoff` option and resolves it (a number is a fixed wait). */
export function resolveBackoff(backoff: JobOptions['backoff']): BackoffOptions | undefined {
  if (backoff === undefined) return undefined;
  if (typeof backoff === 'number') {
    checkDuration('backoff', backoff, 0);
    return { type: 'fixed', delay: backoff };
  }
  if (typeof backoff !== 'object' || backoff === null) {
    throw new TypeError(`Expected \`backoff\` to be milliseconds or { type, delay }, got ${describe(backoff)}`);
  }
  if (backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    throw new TypeError(`Expected \`backoff.type\` to be 'fixed' or 'exponential', got ${describe(backoff.type)}`);
  }
  checkDuration('backoff.delay', backoff.delay, 0);
  if (backoff.maxDelay !== undefined) checkDuration('backoff.maxDelay', backoff.maxDelay, 0);
  if (backoff.jitter !== undefined && !(typeof backoff.jitter === 'number' && backoff.jitter >= 0 && backoff.jitter <= 1)) {
    throw new TypeError(`Expected \`backoff.jitter\` to be a number from 0 to 1, got ${describe(backoff.jitter)}`);
  }
  const { type, delay, maxDelay, jitter } = backoff;
  return { type, delay, ...(maxDelay !== undefined && { maxDelay }), ...(jitter !== undefined && { jitter }) };
}

/** Throws unless `value` is an integer, at least `min`. */
export function checkInteger(name: string, value: unknown, min: number): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} and up, got ${describe(value)}`);
  }
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describe(value)}`);
}

/**
 * The latest time a `Date` holds (epoch milliseconds, in the year 275760), and so the longest duration taken:
 * timers past setTimeout's limit (2^31 − 1 ms, about 24.8 days) are set in hops, so a duration up to this is
 * honoured, never cut short.
 */
export const MAX_TIME_MS = 8_640_000_000_000_000;

/** Throws unless `value` is a finite number of milliseconds, at least `min` and at most {@link MAX_TIME_MS}. */
export function checkDuration(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be a finite number of milliseconds from ${min} and up, got ${describe(value)}`);
  }
  if (value > MAX_TIME_MS) throw new TypeError(`Expected \`${name}\` to be at most ${MAX_TIME_MS} ms (the span of a Date), got ${describe(value)}`);
}

/** `value (type)`, short, for error messages. */
export function describe(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = value.name ? `function ${value.name}` : 'a function';
  else if (typeof value === 'object' && value !== null) shown = Array.isArray(value) ? 'an array' : 'an object';
  else shown = String(value);
  return type === 'object' || type === 'array' || type === 'function' ? shown : `\`${shown}\` (${type})`;
}

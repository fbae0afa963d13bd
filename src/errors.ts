/**
 * The library's errors. Each has a stable `code` and a literal `name` (minifiers rename classes, so
 * `this.constructor.name` is never used), and a plain-data form that crosses IndexedDB and postMessage
 * and is rebuilt into its class on the other side.
 */

/** Stable codes, one per error class. */
export type OffthreadErrorCode =
  | 'ERR_JOB_FAILED'
  | 'ERR_JOB_TIMEOUT'
  | 'ERR_JOB_CANCELLED'
  | 'ERR_WORKER_CRASHED'
  | 'ERR_STORAGE'
  | 'ERR_INVALID_JOB'
  | 'ERR_UNRECOVERABLE'
  | 'ERR_QUEUE_CLOSED'
  | 'ERR_FETCH'
  | 'ERR_OFFLINE';

/** The plain-data form of an error, as stored in IndexedDB and sent between threads. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string | undefined;
  stack?: string | undefined;
  cause?: SerializedError | undefined;
  /** For an error that says when to try again (an HTTP `Retry-After`): milliseconds to wait at least. */
  retryAfterMs?: number | undefined;
  /** For an HTTP error: the status. */
  status?: number | undefined;
}

/** Base class of every error offthread throws or rebuilds. */
export class OffthreadError extends Error {
  override name: string = 'OffthreadError';
  readonly code: OffthreadErrorCode;

  constructor(code: OffthreadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Thrown by a task handler to fail its job at once, skipping the attempts it has left.
 * @example
 * if (!input.url) throw new UnrecoverableError('no url: retrying will not help');
 */
export class UnrecoverableError extends OffthreadError {
  override name = 'UnrecoverableError' as const;
  constructor(message = 'Unrecoverable error', options?: { cause?: unknown }) {
    super('ERR_UNRECOVERABLE', message, options);
  }
}

/** The job ran longer than its `timeout`: its worker was terminated and replaced. */
export class JobTimeoutError extends OffthreadError {
  override name = 'JobTimeoutError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_JOB_TIMEOUT', message, options);
  }
}

/** The job was cancelled, while queued or while running. */
export class JobCancelledError extends OffthreadError {
  override name = 'JobCancelledError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_JOB_CANCELLED', message, options);
  }
}

/** The worker running the job died (an uncaught error, `self.close()`, a crash). */
export class WorkerCrashedError extends OffthreadError {
  override name = 'WorkerCrashedError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WORKER_CRASHED', message, options);
  }
}

/** Facts about storage use, given with quota errors. */
export interface StorageUsage {
  usage?: number | undefined;
  quota?: number | undefined;
}

/** IndexedDB failed: quota exceeded, a blocked upgrade, or no IndexedDB at all. The `DOMException` is the `cause`. */
export class StorageError extends OffthreadError {
  override name = 'StorageError' as const;
  /** Bytes used and available for this origin, when the browser said (quota errors). */
  readonly usage: number | undefined;
  readonly quota: number | undefined;
  constructor(message: string, options?: { cause?: unknown } & StorageUsage) {
    super('ERR_STORAGE', message, options);
    this.usage = options?.usage;
    this.quota = options?.quota;
  }
}

/** A job was refused before anything was stored: unknown task, data that cannot be cloned. */
export class InvalidJobError extends OffthreadError {
  override name = 'InvalidJobError' as const;
  /** Where in the data the problem is, as `data.items[3].callback`, when it is about the data. */
  readonly path: string | undefined;
  constructor(message: string, options?: { cause?: unknown; path?: string }) {
    super('ERR_INVALID_JOB', message, options);
    this.path = options?.path;
  }
}

/** What `job.result` rejects with when the job ends `failed`; `cause` is the last attempt's error. */
export class JobFailedError extends OffthreadError {
  override name = 'JobFailedError' as const;
  /** The failed job's id. */
  readonly jobId: string;
  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super('ERR_JOB_FAILED', message, options);
    this.jobId = jobId;
  }
}

/**
 * What `ctx.fetch` throws for a request worth retrying: a network failure (`status` undefined), an HTTP 5xx,
 * or a 429. Its job is retried with backoff, waiting at least `retryAfterMs` when the server said so.
 * While the browser is offline its `code` is `ERR_OFFLINE`, and the job waits for the network without
 * spending an attempt.
 */
export class FetchError extends OffthreadError {
  override name = 'FetchError' as const;
  /** The HTTP status, if a response came. */
  readonly status: number | undefined;
  /** From the response's `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; status?: number; retryAfterMs?: number | undefined; offline?: boolean }) {
    super(options?.offline ? 'ERR_OFFLINE' : 'ERR_FETCH', message, options);
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The queue was closed while the call (or the job it waited for) was under way. */
export class QueueClosedError extends OffthreadError {
  override name = 'QueueClosedError' as const;
  constructor(message: string) {
    super('ERR_QUEUE_CLOSED', message);
  }
}

/** How deep a `cause` chain is followed; a deeper one is cut there. */
const MAX_CAUSE_DEPTH = 16;
/** The longest message kept of a value thrown that is not an error (as JSON or as text). */
const MAX_THROWN_CHARS = 2_000;

/**
 * Turns anything thrown into its plain-data form, which is always plain strings and numbers that survive
 * structured cloning. Never throws: a handler may throw anything, as a Proxy, an object whose getters throw,
 * or an error whose `message` or `stack` getter throws; what cannot be read is said so. A `cause` chain that
 * loops is cut where it loops (and one deeper than 16 at that depth).
 */
export function serializeError(error: unknown, seen: WeakSet<object> = new WeakSet()): SerializedError {
  let out: SerializedError;
  try {
    out = toPlain(error, seen, 0);
  } catch (failure) {
    // Only a hostile value gets here (a Proxy whose every trap throws, say): say so, and why.
    out = { name: 'Error', message: `A value was thrown that could not be read (${readFailure(failure)})` };
  }
  return out;
}

function toPlain(error: unknown, seen: WeakSet<object>, depth: number): SerializedError {
  if (isError(error)) {
    seen.add(error);
    const name = attempt(() => error.name);
    const message = attempt(() => error.message);
    const out: SerializedError = {
      name: typeof name.value === 'string' && name.value !== '' ? name.value : 'Error',
      message: message.ok ? textOf(message.value) : `(its message could not be read: ${readFailure(message.error)})`,
      stack: textOrUndefined(attempt(() => error.stack)),
    };
    copyExtras(error, out);
    const cause = attempt(() => error.cause);
    if (cause.ok) addCause(out, cause.value, seen, depth);
    return out;
  }
  const serialized = asSerializedError(error);
  if (serialized) {
    if (typeof error === 'object' && error !== null) seen.add(error);
    const out: SerializedError = { name: serialized.name, message: serialized.message };
    const stack = textOrUndefined(attempt(() => (error as SerializedError).stack));
    if (stack !== undefined) out.stack = stack;
    copyExtras(error as object, out);
    const cause = attempt(() => (error as SerializedError).cause);
    if (cause.ok) addCause(out, cause.value, seen, depth);
    return out;
  }
  return { name: 'Error', message: describeThrown(error) };
}

function addCause(out: SerializedError, cause: unknown, seen: WeakSet<object>, depth: number): void {
  if (cause === undefined || depth >= MAX_CAUSE_DEPTH) return;
  if (typeof cause === 'object' && cause !== null && seen.has(cause)) return;
  out.cause = toPlain(cause, seen, depth + 1);
}

/** `code`, `retryAfterMs` and `status`, when they are of their type; each read alone, so one that throws loses only itself. */
function copyExtras(from: object, out: SerializedError): void {
  const code = attempt(() => (from as { code?: unknown }).code).value;
  const retryAfterMs = attempt(() => (from as { retryAfterMs?: unknown }).retryAfterMs).value;
  const status = attempt(() => (from as { status?: unknown }).status).value;
  if (typeof code === 'string') out.code = code;
  if (typeof retryAfterMs === 'number') out.retryAfterMs = retryAfterMs;
  if (typeof status === 'number') out.status = status;
}

type Attempt = { ok: true; value: unknown; error?: undefined } | { ok: false; value?: undefined; error: unknown };

function attempt(read: () => unknown): Attempt {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `instanceof Error`, for a value whose prototype cannot be read (a Proxy's trap throws) too. */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : describeThrown(value).replace(/^Non-error value thrown: /, '');
}

function textOrUndefined(read: Attempt): string | undefined {
  return read.ok && typeof read.value === 'string' ? read.value : undefined;
}

/** What reading a value threw, said without trusting it: its own message, if that can be read. */
function readFailure(failure: unknown): string {
  const message = attempt(() => (isError(failure) ? `${String(failure.name)}: ${String(failure.message)}` : String(failure)));
  return message.ok && typeof message.value === 'string' ? message.value : 'an error that could not be read either';
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  let shown: string | undefined;
  try {
    shown = JSON.stringify(value);
  } catch {
    // A cycle, a BigInt, a getter that throws, a Proxy.
  }
  if (typeof shown !== 'string') {
    const text = attempt(() => String(value));
    if (text.ok && typeof text.value === 'string') shown = text.value;
    else shown ??= 'a value that could not be read (a Proxy, or an object whose conversion to text throws)';
  }
  if (shown.length > MAX_THROWN_CHARS) shown = `${shown.slice(0, MAX_THROWN_CHARS)}…`;
  return `Non-error value thrown: ${shown}`;
}

/** `value` as a serialized error's name and message, if it has both as strings (read without trusting it). */
function asSerializedError(value: unknown): { name: string; message: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name = attempt(() => (value as SerializedError).name).value;
  const message = attempt(() => (value as SerializedError).message).value;
  return typeof name === 'string' && typeof message === 'string' ? { name, message } : undefined;
}

/** The classes an error is rebuilt into by its `name` (JobFailedError is made by the queue, never sent). */
const rebuilt: Record<string, new (message: string, options: { cause: unknown }) => OffthreadError> = {
  UnrecoverableError,
  JobTimeoutError,
  JobCancelledError,
  WorkerCrashedError,
  StorageError,
  InvalidJobError,
  FetchError,
};

/** Rebuilds a plain-data error into its class; an error of the handler's own keeps its name, message and stack. */
export function deserializeError(data: SerializedError): Error {
  const cause = data.cause ? deserializeError(data.cause) : undefined;
  const Class = Object.hasOwn(rebuilt, data.name) ? rebuilt[data.name] : undefined;
  const error = Class ? new Class(data.message, { cause }) : new Error(data.message, cause ? { cause } : undefined);
  if (!Class) error.name = data.name;
  // Fields the class constructors do not take: keep them as they came.
  for (const key of ['code', 'retryAfterMs', 'status'] as const) {
    if (data[key] !== undefined) Object.defineProperty(error, key, { value: data[key], enumerable: true, configurable: true });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

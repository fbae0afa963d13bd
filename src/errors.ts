/**
 * The library's errors. Each has a stable `code` and a literal `name` (minifiers rename classes, so
 * `this.constructor.name` is never used), and a plain-data form that crosses IndexedDB and postMessage
 * and is rebuilt into its class on the other side.
 */

/**
 * Stable codes: one per error class, and a few more where a caller must tell cases of one class apart
 * (`FetchError` offline; `StorageError` for a database made by a newer version, and for a stored record
 * found malformed and put aside).
 */
export type OffthreadErrorCode =
  | 'ERR_JOB_FAILED'
  | 'ERR_JOB_TIMEOUT'
  | 'ERR_JOB_CANCELLED'
  | 'ERR_WORKER_CRASHED'
  | 'ERR_STORAGE'
  | 'ERR_STORAGE_NEWER_VERSION'
  | 'ERR_STORAGE_CORRUPT'
  | 'ERR_INVALID_JOB'
  | 'ERR_UNRECOVERABLE'
  | 'ERR_QUEUE_CLOSED'
  | 'ERR_FETCH'
  | 'ERR_OFFLINE';

/** The plain-data form of an error, as stored in IndexedDB and sent between threads. */
export interface SerializedError {
  /** The error's `name` (`'JobTimeoutError'`, a handler's own class name, `'Error'`...). */
  name: string;
  /** The error's message. */
  message: string;
  /** The error's `code`, when it had one (every {@link OffthreadError} does). */
  code?: string | undefined;
  /** The stack, as the thread that threw it wrote it. */
  stack?: string | undefined;
  /** The error's `cause`, in the same form (followed to a bounded depth). */
  cause?: SerializedError | undefined;
  /** For an error that says when to try again (an HTTP `Retry-After`): milliseconds to wait at least. */
  retryAfterMs?: number | undefined;
  /** For an HTTP error: the status. */
  status?: number | undefined;
}

/** Base class of every error offthread throws or rebuilds. */
export class OffthreadError extends Error {
  /** The class's name, a literal that survives minification (`'JobTimeoutError'`...). */
  override name: string = 'OffthreadError';
  /** A stable code to test in place of the message: one per class, see {@link OffthreadErrorCode}. */
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
  /** Always `'UnrecoverableError'`; its `code` is `ERR_UNRECOVERABLE`. */
  override name = 'UnrecoverableError' as const;
  constructor(message = 'Unrecoverable error', options?: { cause?: unknown }) {
    super('ERR_UNRECOVERABLE', message, options);
  }
}

/** The job ran longer than its `timeout`: its worker was terminated and replaced. */
export class JobTimeoutError extends OffthreadError {
  /** Always `'JobTimeoutError'`; its `code` is `ERR_JOB_TIMEOUT`. */
  override name = 'JobTimeoutError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_JOB_TIMEOUT', message, options);
  }
}

/** The job was cancelled, while queued or while running. */
export class JobCancelledError extends OffthreadError {
  /** Always `'JobCancelledError'`; its `code` is `ERR_JOB_CANCELLED`. */
  override name = 'JobCancelledError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_JOB_CANCELLED', message, options);
  }
}

/** The worker running the job died (an uncaught error, `self.close()`, a crash). */
export class WorkerCrashedError extends OffthreadError {
  /** Always `'WorkerCrashedError'`; its `code` is `ERR_WORKER_CRASHED`. */
  override name = 'WorkerCrashedError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WORKER_CRASHED', message, options);
  }
}

/** Facts about storage use, given with quota errors. */
export interface StorageUsage {
  /** Bytes this origin uses. */
  usage?: number | undefined;
  /** Bytes this origin may use. */
  quota?: number | undefined;
}

/** The codes a {@link StorageError} may have. */
export type StorageErrorCode = 'ERR_STORAGE' | 'ERR_STORAGE_NEWER_VERSION' | 'ERR_STORAGE_CORRUPT';

/**
 * IndexedDB failed: quota exceeded, a blocked upgrade, a damaged database, or no IndexedDB at all; the
 * `DOMException`, if any, is the `cause`. Its `code` is `ERR_STORAGE`, or `ERR_STORAGE_NEWER_VERSION` when
 * the database was upgraded by a newer version of offthread (this code leaves it alone), or
 * `ERR_STORAGE_CORRUPT` for a stored job or schedule found malformed and put aside (`recordId` names it).
 */
export class StorageError extends OffthreadError {
  /** Always `'StorageError'`; its `code` is `ERR_STORAGE`, `ERR_STORAGE_NEWER_VERSION` or `ERR_STORAGE_CORRUPT`. */
  override name = 'StorageError' as const;
  /** Bytes used and available for this origin, when the browser said (quota errors). */
  readonly usage: number | undefined;
  /** Bytes this origin may use, when the browser said (quota errors). */
  readonly quota: number | undefined;
  /** The id of the job or schedule that was found malformed (`ERR_STORAGE_CORRUPT`). */
  readonly recordId: string | undefined;
  constructor(message: string, options?: { cause?: unknown; code?: StorageErrorCode; recordId?: string | undefined } & StorageUsage) {
    super(options?.code ?? 'ERR_STORAGE', message, options);
    this.usage = options?.usage;
    this.quota = options?.quota;
    this.recordId = options?.recordId;
  }
}

/** A job was refused before anything was stored: unknown task, data that cannot be cloned. */
export class InvalidJobError extends OffthreadError {
  /** Always `'InvalidJobError'`; its `code` is `ERR_INVALID_JOB`. */
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
  /** Always `'JobFailedError'`; its `code` is `ERR_JOB_FAILED`. */
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
  /** Always `'FetchError'`; its `code` is `ERR_FETCH`, or `ERR_OFFLINE` while the browser is offline. */
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
  /** Always `'QueueClosedError'`; its `code` is `ERR_QUEUE_CLOSED`. */
  override name = 'QueueClosedError' as const;
  constructor(message: string) {
    super('ERR_QUEUE_CLOSED', message);
  }
}

/** How deep a `cause` chain is followed; a deeper one is cut there. */
const MAX_CAUSE_DEPTH = 16;
/** The longest text kept of a value thrown that is not an error. */
const MAX_THROWN_CHARS = 2_000;
const THROWN = 'Non-error value thrown: ';

/** `read()`, or `fallback` if reading throws (a getter, a Proxy's trap). */
function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Turns anything thrown into its plain-data form: plain strings and numbers, which survive structured cloning.
 * Never throws: a handler may throw anything, as a Proxy, an object whose getters throw, or an error whose
 * `message` or `stack` getter throws; what cannot be read is said so. An object with a string `name` and
 * `message` is taken as a serialized error (only its fields are kept). A `cause` chain that loops is cut where
 * it loops, and one deeper than 16 at that depth.
 */
export function serializeError(error: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): SerializedError {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: typeof error === 'string' ? error : THROWN + shown(error) };
  const get = (key: string): unknown => safely(() => (error as Record<string, unknown>)[key], undefined);
  const name = get('name');
  let message: unknown;
  try {
    message = (error as { message?: unknown }).message;
  } catch (failure) {
    message = `(its message could not be read: ${safely(() => String(failure), 'unreadable')})`;
  }
  if (!safely(() => error instanceof Error, false) && (typeof name !== 'string' || typeof message !== 'string')) {
    return { name: 'Error', message: THROWN + shown(error) };
  }
  seen.add(error);
  const out: SerializedError = { name: typeof name === 'string' && name !== '' ? name : 'Error', message: typeof message === 'string' ? message : shown(message) };
  const [stack, code, retryAfterMs, status, cause] = ['stack', 'code', 'retryAfterMs', 'status', 'cause'].map(get);
  if (typeof stack === 'string') out.stack = stack;
  if (typeof code === 'string') out.code = code;
  if (typeof retryAfterMs === 'number') out.retryAfterMs = retryAfterMs;
  if (typeof status === 'number') out.status = status;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH && !(typeof cause === 'object' && cause !== null && seen.has(cause))) {
    out.cause = serializeError(cause, seen, depth + 1);
  }
  return out;
}

/** Whether `value` has the shape of a {@link SerializedError} (a string `name` and `message`), as data from another context. */
export function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && typeof (value as SerializedError).name === 'string' && typeof (value as SerializedError).message === 'string';
}

/** A thrown value as text: JSON if it has one, else as `String()` says, else that it could not be read. */
function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  let text = safely(() => JSON.stringify(value), undefined);
  if (typeof text !== 'string') text = safely(() => String(value), 'a value that could not be read (a Proxy, or an object whose conversion to text throws)');
  return text.length > MAX_THROWN_CHARS ? `${text.slice(0, MAX_THROWN_CHARS)}…` : text;
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

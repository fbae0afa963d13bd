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

/** The codes a {@link StorageError} may have. */
export type StorageErrorCode = 'ERR_STORAGE' | 'ERR_STORAGE_NEWER_VERSION' | 'ERR_STORAGE_CORRUPT';

/**
 * IndexedDB failed: quota exceeded, a blocked upgrade, a damaged database, or no IndexedDB at all; the
 * `DOMException`, if any, is the `cause`. Its `code` is `ERR_STORAGE`, or `ERR_STORAGE_NEWER_VERSION` when
 * the database was upgraded by a newer version of offthread (this code leaves it alone), or
 * `ERR_STORAGE_CORRUPT` for a stored job or schedule found malformed and put aside (`recordId` names it).
 */
export class StorageError extends OffthreadError {
  override name = 'StorageError' as const;
  /** Bytes used and available for this origin, when the browser said (quota errors). */
  readonly usage: number | undefined;
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

/** Turns anything thrown into its plain-data form. A `cause` chain that loops is cut where it loops. */
export function serializeError(error: unknown, seen: WeakSet<object> = new WeakSet()): SerializedError {
  if (error instanceof Error) {
    seen.add(error);
    const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
    const { code, retryAfterMs, status } = error as { code?: unknown; retryAfterMs?: unknown; status?: unknown };
    if (typeof code === 'string') out.code = code;
    if (typeof retryAfterMs === 'number') out.retryAfterMs = retryAfterMs;
    if (typeof status === 'number') out.status = status;
    const cause = error.cause;
    if (cause !== undefined && !(typeof cause === 'object' && cause !== null && seen.has(cause))) out.cause = serializeError(cause, seen);
    return out;
  }
  if (isSerializedError(error)) return error;
  return { name: 'Error', message: describeThrown(error) };
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  let shown: string | undefined;
  try {
    shown = JSON.stringify(value);
  } catch {
    // A cycle, or a BigInt.
  }
  return `Non-error value thrown: ${shown ?? String(value)}`;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializedError).name === 'string' &&
    typeof (value as SerializedError).message === 'string'
  );
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

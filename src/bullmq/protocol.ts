import type { BackoffOptions } from '../job/job';
import type { SerializedError } from '../errors';

/**
 * The wire protocol between a page (or any HTTP client) and the bridge, and the few names the bridge and
 * `serveBullmq` agree on inside Redis. Everything else about a job is BullMQ's own.
 */

/** What `POST <basePath>` takes: one job, whose `id` becomes its BullMQ `jobId`. */
export interface AddJobBody {
  /** The job's id, made by the client: a resend with the same id adds nothing. */
  id: string;
  /** The task's name. */
  name: string;
  /** The task's data: any JSON value. */
  data?: unknown;
  /** Options of the work itself; the server's BullMQ retries are the only retries of it. */
  options?: ServerJobOptions;
}

/** The job options a client may give; the task's defaults (`defineTasks`) fill in the rest. */
export interface ServerJobOptions {
  /** Runs of the handler before the job ends `failed`: BullMQ's `attempts`. */
  attempts?: number;
  /** The wait between runs: BullMQ's `backoff` (`maxDelay` is not BullMQ's and is refused). */
  backoff?: BackoffOptions | number;
  /** Milliseconds before the job may run: BullMQ's `delay`. */
  delay?: number;
}

/** A job's state as the bridge tells it: BullMQ's, with `cancelled` told apart from `failed`. */
export type ServerJobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled';

/** What `GET <basePath>/<id>` answers, and what the event stream's first `state` event carries. */
export interface ServerJobView {
  id: string;
  name: string;
  state: ServerJobState;
  /** Runs started so far, counting runs lost to a dying process (BullMQ's `attemptsStarted`). */
  attempt: number;
  /** Runs the handler may have. */
  attempts: number;
  /** The last progress reported (BullMQ keeps `0` until a handler reports). */
  progress: unknown;
  /** The handler's value, once `completed`. */
  result?: unknown;
  /** The last run's error, once `failed` or `cancelled`. */
  error?: SerializedError;
  /** A cancel was asked for: a job not yet running ends `cancelled` when a worker takes it, without running. */
  cancelRequested: boolean;
  /** Lines logged so far. */
  logCount: number;
}

/**
 * One event of `GET <basePath>/<id>/events`, sent as Server-Sent Events: `event:` is its `type`, `data:` the
 * JSON of the rest, `id:` a position to resume from with `Last-Event-ID`. The stream ends after a final event
 * (`completed`, `failed`, `cancelled`, `removed`).
 */
export type BridgeEvent =
  | { type: 'state'; job: ServerJobView }
  | { type: 'active' }
  | { type: 'waiting' }
  | { type: 'delayed'; delay: number }
  | { type: 'progress'; progress: unknown }
  | { type: 'log'; index: number; line: string }
  | { type: 'completed'; result: unknown }
  | { type: 'failed'; error: SerializedError }
  | { type: 'cancelled'; error: SerializedError }
  | { type: 'removed' };

/** The event types after which the stream ends. */
export const FINAL_EVENTS: ReadonlySet<BridgeEvent['type']> = new Set(['completed', 'failed', 'cancelled', 'removed']);

/** A field of the job's BullMQ hash: the last run's error in plain-data form, written before the run fails. */
export const ERROR_FIELD = 'offthread:error';
/** A field of the job's BullMQ hash: set by a cancel, read by the processor before and during a run. */
export const CANCEL_FIELD = 'offthread:cancel';
/** A custom event on the queue's event stream: a line a handler logged (`jobId`, `index`, `line`). */
export const LOG_EVENT = 'offthread:log';
/** A custom event on the queue's event stream: cancel the run of `jobId`, wherever it runs. */
export const CANCEL_EVENT = 'offthread:cancel';
/** How long the queue's event stream is kept (BullMQ's default `streams.events.maxLen`). */
export const MAX_EVENTS = 10_000;

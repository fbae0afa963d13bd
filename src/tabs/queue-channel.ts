import type { SerializedError } from '../errors';
import { JOB_STATES, type JobRecord } from '../job/job';

/** A job as it travels between tabs: without `data` and `result`, which may be large; tabs that need them read the store. */
export type SlimJob = Omit<JobRecord, 'data' | 'result'>;

/** What tabs of one origin tell each other about a queue. Hints only: the database stays the truth. */
export type QueueMessage =
  /** Jobs were stored: the runner should look. `jobs` are the new ones, unless there were very many. */
  | { type: 'added'; jobs?: SlimJob[] | undefined }
  /** Schedules were made or removed: the runner looks at them again. */
  | { type: 'schedules' }
  /** Something happened to a job, in the tab that runs it (or in a tab that cancelled or retried it). */
  | { type: 'job'; event: 'added' | 'active' | 'completed' | 'failed' | 'retrying' | 'stalled' | 'cancelled'; job: SlimJob; error?: SerializedError | undefined }
  | { type: 'progress'; job: SlimJob; progress: unknown }
  /** A job was cancelled or removed elsewhere: the runner stops its run if it has one. */
  | { type: 'stop'; id: string; removed: boolean }
  | { type: 'paused'; paused: boolean };

/** The queue's BroadcastChannel; a no-op where BroadcastChannel is missing. */
export class QueueChannel {
  readonly #channel: BroadcastChannel | undefined;
  /** Messages posted in this tick: they go as one message (a burst of job events costs one clone and one event). */
  #outbox: QueueMessage[] = [];

  /** Messages dropped because they were not the queue's (anyone of the origin may post on its channel). */
  ignored = 0;

  constructor(queue: string, onMessage: (message: QueueMessage) => void) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(`offthread:${queue}`);
    this.#channel.onmessage = (event: MessageEvent<unknown>) => {
      const { data } = event;
      for (const message of Array.isArray(data) ? data : [data]) {
        if (isQueueMessage(message)) onMessage(message);
        else this.ignored++;
      }
    };
  }

  post(message: QueueMessage): void {
    if (!this.#channel) return;
    if (this.#outbox.push(message) === 1) queueMicrotask(() => this.#flush());
  }

  close(): void {
    this.#flush();
    this.#channel?.close();
  }

  #flush(): void {
    const messages = this.#outbox;
    if (messages.length === 0) return;
    this.#outbox = [];
    try {
      this.#channel?.postMessage(messages.length === 1 ? messages[0] : messages);
    } catch {
      // One of them cannot be cloned (a progress value): the others still go; that one stays in this tab.
      for (const message of messages) {
        try {
          this.#channel?.postMessage(message);
        } catch {
          // As said.
        }
      }
    }
  }
}

const JOB_EVENTS = new Set(['added', 'active', 'completed', 'failed', 'retrying', 'stalled', 'cancelled']);
const STATES = new Set<string>(JOB_STATES);

/**
 * Whether `data` has the shape of a {@link QueueMessage}, down to what its readers use of it: the channel is
 * open to any script of the origin, and what it carries must never make a listener throw.
 */
export function isQueueMessage(data: unknown): data is QueueMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  switch (message.type) {
    case 'added':
      return message.jobs === undefined || (Array.isArray(message.jobs) && message.jobs.every(isSlimJob));
    case 'schedules':
      return true;
    case 'job':
      return typeof message.event === 'string' && JOB_EVENTS.has(message.event) && isSlimJob(message.job) && (message.error === undefined || isErrorShape(message.error));
    case 'progress':
      return isSlimJob(message.job);
    case 'stop':
      return typeof message.id === 'string' && typeof message.removed === 'boolean';
    case 'paused':
      return typeof message.paused === 'boolean';
    default:
      return false;
  }
}

function isSlimJob(value: unknown): value is SlimJob {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Record<string, unknown>;
  return (
    typeof job.id === 'string' &&
    typeof job.name === 'string' &&
    typeof job.state === 'string' &&
    STATES.has(job.state) &&
    (job.error === undefined || isErrorShape(job.error)) &&
    (job.history === undefined || Array.isArray(job.history))
  );
}

function isErrorShape(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && typeof (value as SerializedError).name === 'string' && typeof (value as SerializedError).message === 'string';
}

export function slim(job: JobRecord): SlimJob {
  const { data: _data, result: _result, ...rest } = job;
  return rest;
}

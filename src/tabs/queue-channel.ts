import { isSerializedError, type SerializedError } from '../errors';
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
  | { type: 'paused'; paused: boolean }
  /** A job's stored record was found malformed and put aside (state `corrupt`): what waits for it gets `message`. */
  | { type: 'corrupt'; id: string; message: string }
  /**
   * A context became the queue's runner. The one before it may have died between recording a job's end and
   * telling it: tabs read again the jobs they wait for.
   */
  | { type: 'runner' };

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

const STATES = new Set<unknown>(JOB_STATES);

/**
 * Whether `data` has the shape of a {@link QueueMessage}, down to what its readers use of it: the channel is
 * open to any script of the origin, and what it carries must never make a listener throw.
 */
export function isQueueMessage(data: unknown): data is QueueMessage {
  const m = data as Partial<Record<string, unknown>> | null;
  if (typeof m !== 'object' || m === null) return false;
  switch (m.type) {
    case 'added':
      return m.jobs === undefined || (Array.isArray(m.jobs) && m.jobs.every(isSlimJob));
    case 'schedules':
      return true;
    case 'job':
      // An event of another name is told to no one.
      return typeof m.event === 'string' && isSlimJob(m.job);
    case 'progress':
      return isSlimJob(m.job);
    case 'stop':
      return typeof m.id === 'string' && typeof m.removed === 'boolean';
    case 'paused':
      return typeof m.paused === 'boolean';
    case 'corrupt':
      return typeof m.id === 'string' && typeof m.message === 'string';
    case 'runner':
      return true;
  }
  return false;
}

function isSlimJob(value: unknown): boolean {
  const job = value as Partial<SlimJob> | null;
  return (
    typeof job === 'object' && job !== null && typeof job.id === 'string' && typeof job.name === 'string' && STATES.has(job.state) &&
    (job.error === undefined || isSerializedError(job.error))
  );
}

export function slim(job: JobRecord): SlimJob {
  const { data: _data, result: _result, ...rest } = job;
  return rest;
}

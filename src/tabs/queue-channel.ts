import type { SerializedError } from '../errors';
import type { JobRecord } from '../job/job';

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

  constructor(queue: string, onMessage: (message: QueueMessage) => void) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(`offthread:${queue}`);
    this.#channel.onmessage = (event: MessageEvent<QueueMessage | QueueMessage[]>) => {
      const { data } = event;
      if (Array.isArray(data)) for (const message of data) onMessage(message);
      else onMessage(data);
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

export function slim(job: JobRecord): SlimJob {
  const { data: _data, result: _result, ...rest } = job;
  return rest;
}

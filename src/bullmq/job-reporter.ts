import type { Job, QueueEventsProducer } from 'bullmq';
import { LOG_EVENT, MAX_EVENTS } from './protocol';

/**
 * A run's `ctx.progress` and `ctx.log`, sent to Redis in the order made. Progress is coalesced: one
 * `job.updateProgress` at a time, and while it is under way only the latest value waits, so a handler that
 * reports in a tight loop costs a few round trips, not one per call. Every log line goes, in order: stored
 * with `job.log`, then told to followers as a custom event on the queue's event stream.
 */
export class JobReporter {
  readonly #job: Job;
  readonly #events: QueueEventsProducer;
  #held: { value: unknown } | undefined;
  #sending: Promise<void> | undefined;
  #logs: Promise<void> = Promise.resolve();
  #ended = false;
  /** The first write that failed: the run fails with it, rather than lose what the handler said. */
  #failure: unknown;

  constructor(job: Job, events: QueueEventsProducer) {
    this.#job = job;
    this.#events = events;
  }

  progress(value: unknown): void {
    const json = typeof value === 'function' || typeof value === 'symbol' || value === undefined ? undefined : safeJson(value);
    if (json === undefined) throw new TypeError(`ctx.progress() on a BullMQ server needs a JSON value, got ${value === null ? 'null' : typeof value}`);
    if (this.#ended) return;
    this.#held = { value: JSON.parse(json) as unknown };
    this.#sending ??= this.#send();
  }

  log(line: string): void {
    if (typeof line !== 'string') throw new TypeError(`Expected ctx.log() to be given a string, got ${line === null ? 'null' : typeof line}`);
    if (this.#ended) return;
    const job = this.#job;
    this.#logs = this.#logs.then(async () => {
      try {
        const count = await job.log(line);
        await this.#events.publishEvent({ eventName: LOG_EVENT, jobId: job.id!, index: String(count - 1), line }, MAX_EVENTS);
      } catch (error) {
        this.#failure ??= error;
      }
    });
  }

  /** Waits for what was reported to be written; later reports go nowhere. Throws the first write that failed. */
  async end(): Promise<void> {
    this.#ended = true;
    await this.#sending;
    await this.#logs;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async #send(): Promise<void> {
    while (this.#held) {
      const { value } = this.#held;
      this.#held = undefined;
      try {
        await this.#job.updateProgress(value as number | object);
      } catch (error) {
        this.#failure ??= error;
      }
    }
    this.#sending = undefined;
  }
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

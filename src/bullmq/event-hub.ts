import { QueueEvents, type ConnectionOptions, type Queue } from 'bullmq';
import { LOG_EVENT } from './protocol';

/** One event of the queue's stream about one job, as BullMQ's `QueueEvents` gives it. */
export interface RawJobEvent {
  /** BullMQ's event name (`progress`, `completed`...), or offthread's custom `offthread:log`. */
  event: string;
  /** Its position in the Redis stream, `<ms>-<seq>`. */
  streamId: string;
  args: Record<string, unknown>;
}

type Listener = (event: RawJobEvent) => void;

/** The events a follower is told of. */
const FOLLOWED = ['active', 'waiting', 'delayed', 'progress', 'completed', 'failed', 'removed', LOG_EVENT] as const;

/**
 * One `QueueEvents` for all the streams a bridge serves, dispatching by job id. It is started on the first
 * follow, from the stream's newest entry then (not `$`, which counts from its first read, some time later),
 * so that a follower who reads the job after it has started misses nothing written after that read.
 */
export class EventHub {
  readonly #queue: Queue;
  readonly #connection: ConnectionOptions;
  readonly #listeners = new Map<string, Set<Listener>>();
  #events: QueueEvents | undefined;
  #started: Promise<void> | undefined;

  constructor(queue: Queue, connection: ConnectionOptions) {
    this.#queue = queue;
    this.#connection = connection;
  }

  /** Listens to the events of `jobId` until the returned function is called. Resolves once events flow. */
  async subscribe(jobId: string, listener: Listener): Promise<() => void> {
    let set = this.#listeners.get(jobId);
    if (!set) this.#listeners.set(jobId, (set = new Set()));
    set.add(listener);
    const unsubscribe = (): void => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(jobId) === set) this.#listeners.delete(jobId);
    };
    try {
      await (this.#started ??= this.#start());
    } catch (error) {
      unsubscribe();
      this.#started = undefined;
      throw error;
    }
    return unsubscribe;
  }

  /** The id of the stream's newest entry (`0-0` when it is empty). */
  async newestId(): Promise<string> {
    const client = await this.#queue.getBackend().client;
    const newest = (await client.runCommand('xrevrange', [this.#queue.keys.events, '+', '-', 'COUNT', '1'])) as [string, string[]][] | null;
    return newest?.[0]?.[0] ?? '0-0';
  }

  async close(): Promise<void> {
    const events = this.#events;
    this.#events = undefined;
    this.#started = undefined;
    await events?.close();
  }

  async #start(): Promise<void> {
    const lastEventId = await this.newestId();
    const { prefix } = this.#queue.opts;
    const events = new QueueEvents(this.#queue.name, { connection: this.#connection, lastEventId, ...(prefix !== undefined && { prefix }) });
    this.#events = events;
    // Connection errors are retried by QueueEvents; a listener keeps Node from throwing them.
    events.on('error', () => undefined);
    for (const event of FOLLOWED) {
      (events as unknown as { on(name: string, listener: (args: Record<string, unknown>, id: string) => void): void }).on(event, (args, streamId) => {
        const jobId = args.jobId;
        if (typeof jobId !== 'string') return;
        for (const listener of this.#listeners.get(jobId) ?? []) listener({ event, streamId, args });
      });
    }
    await events.waitUntilReady();
  }
}

/** Whether stream id `a` comes after `b` (`<ms>-<seq>`, compared as numbers). */
export function isAfter(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}

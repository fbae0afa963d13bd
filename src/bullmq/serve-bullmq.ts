import {
  QueueEvents,
  QueueEventsProducer,
  UnrecoverableError as BullUnrecoverableError,
  WaitingError,
  Worker,
  type ConnectionOptions,
  type Job,
  type QueueEventsListener,
  type WorkerOptions,
} from 'bullmq';
import { InvalidJobError, JobCancelledError, JobTimeoutError, serializeError, type SerializedError } from '../errors';
import { jobFetch } from '../task/job-fetch';
import { splitDefinition, type TaskContext, type TaskMap } from '../task/task';
import { takeTransferables } from '../task/transfer';
import { JobReporter } from './job-reporter';
import { CANCEL_EVENT, CANCEL_FIELD, ERROR_FIELD } from './protocol';

/** Options of {@link serveBullmq}. */
export interface ServeBullmqOptions {
  /** BullMQ's connection: ioredis options (`{ host, port }`) or an ioredis instance. */
  connection: ConnectionOptions;
  /** The BullMQ queue's name: the same as the bridge's. */
  queue: string;
  /**
   * Jobs this process runs at once (BullMQ's worker `concurrency`). Handlers run in this process's thread:
   * CPU-bound tasks want more processes rather than more concurrency.
   * @default 1
   */
  concurrency?: number;
  /** Other options of BullMQ's `Worker` (`lockDuration`, `stalledInterval`, `maxStalledCount`, `prefix`...). */
  worker?: Omit<WorkerOptions, 'connection' | 'concurrency' | 'autorun'>;
}

/** What {@link serveBullmq} returns. */
export interface BullmqServer {
  /** The BullMQ worker, for its events (`completed`, `failed`, `error`...). */
  readonly worker: Worker;
  /** Resolves once the worker is connected and takes jobs. */
  ready(): Promise<void>;
  /**
   * Stops taking jobs; the running ones have their `ctx.signal` aborted and go back to waiting, for another
   * process to run (an attempt, not a failure). Resolves once all is closed.
   */
  close(): Promise<void>;
}

/** The custom event `serveBullmq` follows on the queue's event stream. */
interface CancelListener extends QueueEventsListener {
  [CANCEL_EVENT]: (args: { jobId: string; reason?: string }, id: string) => void;
}

/** Why a run's signal aborts at shutdown: its job goes back to waiting. */
class ShutdownSignal extends Error {
  override name = 'ShutdownSignal';
}

/**
 * Runs a `defineTasks` module as BullMQ processors: the same tasks the page's workers run, here on a server.
 * In handlers, `ctx.progress` is `job.updateProgress` (JSON values), `ctx.log` is `job.log`, `ctx.attempt`
 * counts runs started (BullMQ's `attemptsStarted`: a run lost to a dying process counts), and `ctx.signal`
 * aborts when the job is cancelled (through the bridge), times out (the task's `timeout`) or this process
 * closes. A handler's `UnrecoverableError` is BullMQ's: no retries. `transfer()` marks are ignored.
 * @example
 * import { serveBullmq } from 'offthread/bullmq';
 * import { tasks } from './tasks';
 * const server = serveBullmq(tasks, { connection: { host: 'localhost', port: 6379 }, queue: 'media', concurrency: 4 });
 * process.on('SIGTERM', () => server.close());
 */
export function serveBullmq(tasks: TaskMap, options: ServeBullmqOptions): BullmqServer {
  if (typeof tasks !== 'object' || tasks === null) throw new TypeError(`Expected serveBullmq() to be given the tasks of defineTasks(), got ${tasks === null ? 'null' : typeof tasks}`);
  if (typeof options?.queue !== 'string' || options.queue === '') throw new TypeError(`Expected \`queue\` to be a queue name, got ${typeof options?.queue}`);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`Expected \`concurrency\` to be an integer from 1 and up, got ${String(concurrency)}`);
  const { connection, queue: name } = options;
  const prefix = options.worker?.prefix;
  const base = { connection, ...(prefix !== undefined && { prefix }) };

  const running = new Map<string, { controller: AbortController; ended: Promise<unknown> }>();
  let closing: Promise<void> | undefined;
  const shutdown = () => new ShutdownSignal('The BullMQ server is closing');
  const producer = new QueueEventsProducer(name, base);
  const events = new QueueEvents(name, { ...base, autorun: false });
  events.on<CancelListener, typeof CANCEL_EVENT>(CANCEL_EVENT, ({ jobId, reason }) => {
    running.get(jobId)?.controller.abort(new JobCancelledError(reason || `Job ${jobId} was cancelled`));
  });

  const processor = async (job: Job, token?: string): Promise<unknown> => {
    const id = job.id!;
    const definition = Object.hasOwn(tasks, job.name) ? tasks[job.name] : undefined;
    if (definition === undefined) {
      const error = new InvalidJobError(`Unknown task "${job.name}": this server serves ${Object.keys(tasks).join(', ') || 'no tasks'}`);
      throw await failure(job, serializeError(error), true);
    }
    const { run, options: taskOptions } = splitDefinition(definition);
    const controller = new AbortController();
    let ended!: () => void;
    running.set(id, { controller, ended: new Promise<void>((resolve) => (ended = resolve)) });
    if (closing) controller.abort(shutdown());
    const reporter = new JobReporter(job, producer);
    const timer = taskOptions.timeout === undefined
      ? undefined
      : setTimeout(() => controller.abort(new JobTimeoutError(`Job ${id} ran longer than its timeout (${taskOptions.timeout} ms)`)), taskOptions.timeout);
    try {
      // A cancel that came before this run started (the job was waiting) ends it here, unrun.
      const client = await worker.getBackend().client;
      const cancel = await client.hget(worker.toKey(id), CANCEL_FIELD);
      if (cancel !== null) controller.abort(new JobCancelledError(cancel || `Job ${id} was cancelled`));
      if (controller.signal.aborted) throw controller.signal.reason;
      const ctx: TaskContext = {
        jobId: id,
        attempt: Math.max(1, job.attemptsStarted ?? 1),
        signal: controller.signal,
        progress: (value) => reporter.progress(value),
        log: (line) => reporter.log(line),
        fetch: (input, init) => jobFetch(input, init, controller.signal),
      };
      // The run ends when the handler does, or at once when its signal aborts: a handler that does not
      // listen to it cannot hold a cancelled job, nor this process's shutdown.
      const value = await Promise.race([
        aborted(controller.signal),
        Promise.resolve().then(() => run(job.data, ctx)),
      ]);
      await reporter.end();
      takeTransferables(value);
      return value;
    } catch (error) {
      await reporter.end().catch(() => undefined);
      if (controller.signal.reason instanceof ShutdownSignal && token !== undefined) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const serialized = serializeError(error);
      throw await failure(job, serialized, isFinal(serialized));
    } finally {
      clearTimeout(timer);
      running.delete(id);
      ended();
    }
  };

  /** Stores the plain-data error on the job (BullMQ keeps only the message), and makes what BullMQ is thrown. */
  async function failure(job: Job, error: SerializedError, final: boolean): Promise<Error> {
    const client = await worker.getBackend().client;
    await client.hset(worker.toKey(job.id!), { [ERROR_FIELD]: JSON.stringify(error) });
    const thrown = final ? new BullUnrecoverableError(error.message) : new Error(error.message);
    thrown.name = final ? thrown.name : error.name;
    if (error.stack !== undefined) thrown.stack = error.stack;
    return thrown;
  }

  const worker = new Worker(name, processor, { ...options.worker, connection, concurrency, autorun: false });
  // The cancel listener is up before the first job is taken, so no cancel of a run falls between.
  const started = events.waitUntilReady().then(() => {
    void events.run().catch((error: unknown) => worker.emit('error', error as Error));
    void worker.run().catch((error: unknown) => worker.emit('error', error as Error));
    return worker.waitUntilReady();
  });

  return {
    worker,
    ready: () => started.then(() => undefined),
    close() {
      closing ??= (async () => {
        await started.catch(() => undefined);
        // The runs go back to waiting first: with a blocking fetch under way, BullMQ's close() holds writes
        // that a run ending during it would make. A job taken meanwhile goes back unrun.
        for (const { controller } of running.values()) controller.abort(shutdown());
        await Promise.allSettled([...running.values()].map((run) => run.ended));
        await worker.close();
        await Promise.all([events.close(), producer.close()]);
      })();
      return closing;
    },
  };
}

/** Errors after which retrying will not help: BullMQ is told so, and spends no more attempts. */
function isFinal(error: SerializedError): boolean {
  return error.name === 'UnrecoverableError' || error.name === 'JobCancelledError' || error.name === 'InvalidJobError';
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

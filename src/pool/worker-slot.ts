import * as Comlink from 'comlink';
import type { Clock, TimerHandle } from '../clock';
import { InvalidJobError, serializeError, WorkerCrashedError, type SerializedError } from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import { newId } from '../job/new-id';
import { packRecall, packRuns, unpackDone, unpackHello, unpackProgress, type RunRequest, type RunResult, type WorkerApi, type WorkerHello } from '../protocol';

/** What a {@link WorkerSlot} tells its pool. */
export interface WorkerSlotEvents {
  /** Outcomes of runs, and runs handed back unstarted, as the worker told them. */
  done(results: RunResult[], recalled: string[]): void;
  /** A `ctx.progress` value of a run. */
  progress(runId: string, progress: unknown): void;
  /** The worker died, or never started: told once, and never after {@link WorkerSlot.terminate}. */
  died(error: WorkerCrashedError): void;
  /** The worker has been idle for `idleTimeoutMs` ({@link WorkerSlot.idle}). */
  expired(): void;
}

/** Options of a {@link WorkerSlot}. */
export interface WorkerSlotOptions {
  /** Makes one worker that calls `serveTasks`. */
  create: () => Worker;
  /** A worker that has not answered this long after it was made is taken for dead. */
  startTimeoutMs: number;
  /** A worker idle this long is reported {@link WorkerSlotEvents.expired}. */
  idleTimeoutMs: number;
  clock: Clock;
}

/**
 * One worker of the pool, from its spawn to its end: the handshake (hello), its death however it comes, its
 * idle clock, and the messages both ways (packed and unpacked by the protocol). Which runs it gets, and when,
 * is the pool's business. A run never hangs on a dead worker (comlink alone would never settle such a call):
 * the slot sees the worker's `error` event, and its death through a Web Lock the worker holds while it lives.
 */
export class WorkerSlot {
  /** The worker's hello: rejects if the worker dies before it answers, or answers with another shape. */
  readonly ready: Promise<WorkerHello>;
  readonly #worker: Worker;
  readonly #remote: Comlink.Remote<WorkerApi>;
  readonly #options: WorkerSlotOptions;
  readonly #events: WorkerSlotEvents;
  readonly #failStart: (error: Error) => void;
  #isReady = false;
  #failed = false;
  #dead = false;
  /**
   * Since when it has had nothing to do (`undefined` while it has runs). One timer checks it, armed when it goes
   * idle with none armed, and armed again for the rest of the wait if it worked meanwhile: no timer set and
   * cleared per run.
   */
  #idleSince: number | undefined;
  #idleTimer: TimerHandle | undefined;

  /** Makes the worker and says hello. Throws if the factory throws or returns no Worker. */
  constructor(options: WorkerSlotOptions, events: WorkerSlotEvents) {
    let worker: Worker;
    try {
      worker = options.create();
    } catch (error) {
      throw new WorkerCrashedError('The `worker` factory threw instead of returning a Worker', { cause: error });
    }
    // Duck-typed, not `instanceof Worker`: outside a browser (Node, jsdom) there is no `Worker`, and the inline
    // queue of `offthread/testing` gives a Worker-shaped port.
    if (typeof (worker as Partial<Worker> | null)?.postMessage !== 'function' || typeof (worker as Partial<Worker>).terminate !== 'function') {
      throw new TypeError(`Expected the \`worker\` factory to return a Worker, got ${worker === null ? 'null' : typeof worker}`);
    }
    this.#worker = worker;
    this.#remote = Comlink.wrap<WorkerApi>(worker);
    this.#options = options;
    this.#events = events;
    let failStart!: (error: Error) => void;
    const startFailed = new Promise<never>((_, reject) => (failStart = reject));
    this.#failStart = failStart;

    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(event instanceof ErrorEvent && event.message ? event.message : 'the worker script failed to load');
    });
    worker.addEventListener('messageerror', () => this.fail('a message from the worker could not be deserialized'));
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const done = unpackDone(event.data);
      if (done) return events.done(done.results, done.recalled);
      const progress = unpackProgress(event.data);
      if (progress) events.progress(progress.runId, progress.progress);
    });

    const lockName = typeof navigator !== 'undefined' && navigator.locks ? `offthread:worker:${newId()}` : undefined;
    const startTimer = options.clock.setTimeout(
      () => this.fail(`it did not answer within ${options.startTimeoutMs} ms of starting (does it call serveTasks?)`),
      options.startTimeoutMs,
    );
    this.ready = Promise.race([this.#remote.hello(lockName).then(unpackHello), startFailed]).then((hello) => {
      options.clock.clearTimeout(startTimer);
      this.#isReady = true;
      // The worker holds this lock while it lives: it is granted to us the moment the worker dies,
      // however it dies (`self.close()` fires no event at all).
      if (lockName) void navigator.locks.request(lockName, () => this.fail('the worker closed or was killed'));
      return hello;
    });
    this.ready.catch((error: unknown) => {
      options.clock.clearTimeout(startTimer);
      // A hello refused or answered with something else: runs must not wait in this worker for a start that never comes.
      this.fail(`its hello failed: ${serializeError(error).message}`);
    });
  }

  /** It has said hello. */
  get isReady(): boolean {
    return this.#isReady;
  }

  /** It died or was terminated: it takes no more runs. */
  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Posts `requests` in one message, moving `transfers`. Should that not go (some job's data does not clone: a
   * Proxy in data marked for transfer, which `add` does not clone to check, or a buffer already moved), nothing
   * was sent: posts them one by one, each with `transfersOf` it, and returns those that would not go, with why.
   */
  send(requests: readonly RunRequest[], transfers: Transferable[], transfersOf: (runId: string) => Transferable[] | undefined): Array<[runId: string, error: SerializedError]> {
    try {
      this.#worker.postMessage(packRuns(requests), transfers);
      return [];
    } catch {
      const refused: Array<[string, SerializedError]> = [];
      for (const request of requests) {
        try {
          this.#worker.postMessage(packRuns([request]), transfersOf(request.runId) ?? []);
        } catch (error) {
          refused.push([request.runId, serializeError(unsendable(request, error))]);
        }
      }
      return refused;
    }
  }

  /** Asks the worker for runs back that wait in its line ({@link WorkerSlotEvents.done}'s `recalled`). */
  recall(runIds: string[]): void {
    this.#worker.postMessage(packRecall(runIds));
  }

  /** Aborts `ctx.signal` of a run in the worker, with `reason` (a run still waiting there is dropped). */
  abort(runId: string, reason: SerializedError): void {
    this.#remote.abort(runId, reason).catch(() => {});
  }

  /** It has nothing to do from now: its idle clock starts, if it is not running. */
  idle(): void {
    this.#idleSince = this.#options.clock.now();
    this.#idleCheck(this.#options.idleTimeoutMs);
  }

  /** It has runs again: its idle clock stops. */
  busy(): void {
    this.#idleSince = undefined;
  }

  /** The worker died or must go: {@link WorkerSlotEvents.died} is told why, once, and the hello fails if it had not come. */
  fail(reason: string): void {
    if (this.#dead || this.#failed) return;
    this.#failed = true;
    const error = new WorkerCrashedError(`A worker died: ${reason}`);
    this.#failStart(error);
    this.#events.died(error);
  }

  /** Terminates the worker; nothing more is told of it. */
  terminate(): void {
    if (this.#dead) return;
    this.#dead = true;
    if (this.#idleTimer !== undefined) this.#options.clock.clearTimeout(this.#idleTimer);
    this.#worker.terminate();
  }

  /** In `ms`, reports it expired if it has been idle for `idleTimeoutMs` by then, or looks again when it will have been. */
  #idleCheck(ms: number): void {
    this.#idleTimer ??= this.#options.clock.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#idleSince === undefined || this.#dead) return;
      const left = this.#idleSince + this.#options.idleTimeoutMs - this.#options.clock.now();
      if (left <= 0) this.#events.expired();
      else this.#idleCheck(left);
    }, ms);
  }
}

/** Why `request`'s data could not be posted, as the run's error. */
function unsendable(request: RunRequest, error: unknown): InvalidJobError {
  const problem = findUncloneable(request.data, 'data', { clone: true });
  const where = problem ? `${problem.path} ${problem.reason}` : `it was refused with its transfer list (${serializeError(error).message})`;
  return new InvalidJobError(`The data of job ${request.jobId} (${request.name}) cannot be sent to a worker: ${where}`, {
    cause: problem?.cause ?? error,
    ...(problem && { path: problem.path }),
  });
}

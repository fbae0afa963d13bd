import * as Comlink from 'comlink';
import type { Clock, TimerHandle } from '../clock';
import { JobTimeoutError, serializeError, WorkerCrashedError, type SerializedError } from '../errors';
import { newId } from '../job/new-id';
import { isProgressMessage, type RunRequest, type RunResponse, type WorkerApi, type WorkerHello } from '../protocol';
import type { TaskManifest } from '../task/task';
import { takeTransferables } from '../task/transfer';

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Makes one worker that calls `serveTasks`. */
  create: () => Worker;
  /** The most workers alive at once. */
  size: number;
  /** A worker idle this long is terminated. */
  idleTimeoutMs: number;
  /** A worker that has not answered this long after it was made is taken for dead. */
  startTimeoutMs: number;
  clock: Clock;
}

/** Per-run options of {@link WorkerPool.run}. */
export interface PoolRunOptions {
  /** Terminates the worker and fails the run with `JobTimeoutError` past this. */
  timeoutMs?: number | undefined;
  onProgress?: ((progress: unknown) => void) | undefined;
}

interface Slot {
  worker: Worker;
  remote: Comlink.Remote<WorkerApi>;
  ready: Promise<WorkerHello>;
  busy: boolean;
  dead: boolean;
  idleTimer: TimerHandle | undefined;
  /** The run in progress, if any. */
  runId: string | undefined;
  /** Ends the run in progress with `response`; `keep` is false when the worker must go. */
  finish: ((response: RunResponse, keep: boolean) => void) | undefined;
  failStart: (error: Error) => void;
}

/**
 * Runs jobs on Web Workers, one job per worker at a time. Workers are made lazily up to `size`, reaped
 * when idle, and replaced when they die, time out or are aborted. A run never hangs on a dead worker:
 * comlink alone would never settle such a call, so each run races the worker's death.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #slots = new Set<Slot>();
  readonly #waiting: Array<(slot: Slot) => void> = [];
  readonly #progress = new Map<string, (progress: unknown) => void>();
  /** Runs waiting for a worker, with the reason if they were aborted meanwhile. */
  readonly #starting = new Map<string, SerializedError | undefined>();
  #hello: Promise<WorkerHello> | undefined;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Workers alive now. */
  get size(): number {
    return this.#slots.size;
  }

  /** The tasks the workers serve, with their defaults (asked of the first worker, made if need be). */
  async tasks(): Promise<TaskManifest> {
    if (!this.#hello) {
      const slot = this.#spawn();
      slot.busy = true;
      this.#hello = slot.ready;
      slot.ready.then(() => this.#release(slot), () => {});
    }
    try {
      return (await this.#hello).tasks;
    } catch (error) {
      this.#hello = undefined;
      throw error;
    }
  }

  /** Runs one job on a free worker. Resolves (never rejects) with the handler's outcome or why it ended. */
  async run(request: RunRequest, options: PoolRunOptions = {}): Promise<RunResponse> {
    let slot: Slot | undefined;
    let failure: SerializedError | undefined;
    this.#starting.set(request.runId, undefined);
    try {
      slot = await this.#acquire();
    } catch (error) {
      failure = serializeError(error);
    }
    const abortedEarly = this.#starting.get(request.runId);
    this.#starting.delete(request.runId);
    if (!slot) return { ok: false, error: failure! };
    if (abortedEarly) {
      this.#release(slot);
      return { ok: false, error: abortedEarly };
    }
    const taken = slot;
    return new Promise<RunResponse>((resolve) => {
      let timer: TimerHandle | undefined;
      taken.runId = request.runId;
      if (options.onProgress) this.#progress.set(request.runId, options.onProgress);
      taken.finish = (response, keep) => {
        if (taken.runId !== request.runId) return;
        if (timer !== undefined) this.#options.clock.clearTimeout(timer);
        this.#progress.delete(request.runId);
        taken.runId = undefined;
        taken.finish = undefined;
        if (keep) this.#release(taken);
        else this.#discard(taken);
        resolve(response);
      };
      if (options.timeoutMs !== undefined) {
        const ms = options.timeoutMs;
        timer = this.#options.clock.setTimeout(() => {
          const error = new JobTimeoutError(
            `Job ${request.jobId} (${request.name}) ran over its timeout of ${ms} ms: its worker was terminated`,
          );
          taken.finish?.({ ok: false, error: serializeError(error) }, false);
        }, ms);
      }
      const transferables = takeTransferables(request.data);
      taken.remote.run(transferables ? Comlink.transfer(request, transferables) : request).then(
        (response) => taken.finish?.(response, true),
        (error: unknown) => {
          const crash = new WorkerCrashedError(`The worker failed while running job ${request.jobId}`, { cause: error });
          taken.finish?.({ ok: false, error: serializeError(crash) }, false);
        },
      );
    });
  }

  /**
   * Stops a run: its `ctx.signal` is aborted with `reason` at once, and its worker is terminated if the
   * run has not ended after `graceMs`. The run then resolves with `reason` as its error.
   */
  abort(runId: string, reason: Error, graceMs: number): void {
    const error = serializeError(reason);
    // Still waiting for a worker: it ends as soon as it gets one, before the handler starts.
    if (this.#starting.has(runId)) return void this.#starting.set(runId, error);
    const slot = [...this.#slots].find((s) => s.runId === runId);
    if (!slot) return;
    slot.remote.abort(runId, error).catch(() => {});
    this.#options.clock.setTimeout(() => {
      if (slot.runId === runId) slot.finish?.({ ok: false, error }, false);
    }, graceMs);
  }

  /** Terminates the idle workers now. */
  trim(): void {
    for (const slot of [...this.#slots]) if (!slot.busy) this.#discard(slot);
  }

  /** Terminates every worker; runs in progress resolve with `WorkerCrashedError`. */
  close(): void {
    this.#closed = true;
    for (const slot of [...this.#slots]) this.#crash(slot, 'the pool was closed');
  }

  #acquire(): Promise<Slot> {
    if (this.#closed) return Promise.reject(new WorkerCrashedError('The worker pool is closed'));
    for (const slot of this.#slots) {
      if (!slot.busy) return this.#take(slot);
    }
    if (this.#slots.size < this.#options.size) return this.#take(this.#spawn());
    return new Promise<Slot>((resolve) => this.#waiting.push(resolve)).then((slot) => this.#take(slot));
  }

  async #take(slot: Slot): Promise<Slot> {
    slot.busy = true;
    if (slot.idleTimer !== undefined) this.#options.clock.clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    await slot.ready;
    return slot;
  }

  #release(slot: Slot): void {
    if (slot.dead) return;
    slot.busy = false;
    const next = this.#waiting.shift();
    if (next) return next(slot);
    slot.idleTimer = this.#options.clock.setTimeout(() => this.#discard(slot), this.#options.idleTimeoutMs);
  }

  #spawn(): Slot {
    let worker: Worker;
    try {
      worker = this.#options.create();
    } catch (error) {
      throw new WorkerCrashedError('The `worker` factory threw instead of returning a Worker', { cause: error });
    }
    if (!(worker instanceof Worker)) {
      throw new TypeError(`Expected the \`worker\` factory to return a Worker, got ${worker === null ? 'null' : typeof worker}`);
    }
    const remote = Comlink.wrap<WorkerApi>(worker);
    let failStart!: (error: Error) => void;
    const startFailed = new Promise<never>((_, reject) => (failStart = reject));
    const slot: Slot = {
      worker,
      remote,
      ready: startFailed,
      busy: false,
      dead: false,
      idleTimer: undefined,
      runId: undefined,
      finish: undefined,
      failStart,
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const message = event instanceof ErrorEvent && event.message ? event.message : 'the worker script failed to load';
      this.#crash(slot, message);
    });
    worker.addEventListener('messageerror', () => this.#crash(slot, 'a message from the worker could not be deserialized'));
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isProgressMessage(event.data)) this.#progress.get(event.data.runId)?.(event.data.progress);
    });

    const lockName = typeof navigator !== 'undefined' && navigator.locks ? `offthread:worker:${newId()}` : undefined;
    const startTimer = this.#options.clock.setTimeout(
      () => this.#crash(slot, `it did not answer within ${this.#options.startTimeoutMs} ms of starting (does it call serveTasks?)`),
      this.#options.startTimeoutMs,
    );
    slot.ready = Promise.race([remote.hello(lockName), startFailed]).then((hello) => {
      this.#options.clock.clearTimeout(startTimer);
      // The worker holds this lock while it lives: it is granted to us the moment the worker dies,
      // however it dies (`self.close()` fires no event at all).
      if (lockName) void navigator.locks.request(lockName, () => this.#crash(slot, 'the worker closed or was killed'));
      return hello;
    });
    slot.ready.catch(() => this.#options.clock.clearTimeout(startTimer));
    this.#slots.add(slot);
    return slot;
  }

  /** The worker died (or must go): end its run with `WorkerCrashedError` and drop it. */
  #crash(slot: Slot, reason: string): void {
    if (slot.dead) return;
    const error = new WorkerCrashedError(`A worker died: ${reason}`);
    slot.failStart(error);
    if (slot.finish) slot.finish({ ok: false, error: serializeError(error) }, false);
    else this.#discard(slot);
  }

  #discard(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.idleTimer !== undefined) this.#options.clock.clearTimeout(slot.idleTimer);
    slot.worker.terminate();
    this.#slots.delete(slot);
    // Someone may be waiting for a worker: make them a new one.
    if (this.#waiting.length === 0 || this.#closed) return;
    try {
      this.#waiting.shift()!(this.#spawn());
    } catch {
      // The factory threw: the waiter is served when a busy worker frees up.
    }
  }
}

import * as Comlink from 'comlink';
import type { Clock, TimerHandle } from '../clock';
import { InvalidJobError, JobTimeoutError, serializeError, WorkerCrashedError, type SerializedError } from '../errors';
import { findUncloneable } from '../job/find-uncloneable';
import { newId } from '../job/new-id';
import {
  packRecall,
  packRuns,
  unpackDone,
  unpackHello,
  unpackProgress,
  type RunRequest,
  type RunResponse,
  type WorkerApi,
  type TaskManifest,
  type WorkerHello,
} from '../protocol';
import type { ExecutorRun } from '../runner/runner';
import { takeTransferables } from '../task/transfer';
import { QUICK_RUN_MS, RunStats } from './run-stats';

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

interface Run {
  /** What to run, and where its progress and outcome go. */
  ticket: ExecutorRun;
  /** It is the head of its worker's line: it runs there now, and its timeout counts. */
  started: boolean;
  /** When it became the head, by the pool's clock. */
  startedAt: number;
  /**
   * How long its task's runs took on average when it was placed (`Infinity` if not known). Below QUICK_RUN_MS
   * the run is quick (`isQuick`): other runs may wait behind it. Runs wait in a worker's line behind quick runs
   * while the run at its head has not taken longer than a quick one, and one waits behind a run of a few
   * milliseconds (`lookahead`) while it has not taken twice as long as expected; a run waiting so is handed to
   * a worker that goes idle.
   */
  expectedMs: number;
  /** Its task's runs take a few milliseconds (LOOKAHEAD_MS), and about as long each time: one run may wait behind it. */
  lookahead: boolean;
  timer: TimerHandle | undefined;
  /** What its data transfers: such a run is never recalled (the worker has its buffers). */
  transferables: Transferable[] | undefined;
  /** Asked back from its worker (RecallMessage), not handed back yet. */
  recalling: boolean;
  /** Why it was aborted, if it was: a run handed back after that ends with it, not in another worker. */
  aborted: SerializedError | undefined;
}

interface Slot {
  worker: Worker;
  remote: Comlink.Remote<WorkerApi>;
  ready: Promise<WorkerHello>;
  isReady: boolean;
  dead: boolean;
  /**
   * Since when it has had nothing to do (`undefined` while it has runs). One timer checks it, armed when it goes
   * idle with none armed, and armed again for the rest of the wait if it worked meanwhile: no timer set and
   * cleared per run.
   */
  idleSince: number | undefined;
  idleTimer: TimerHandle | undefined;
  /** Runs sent to this worker, in the order it runs them: the first one is running. */
  runs: Map<string, Run>;
  /** How many of them are not quick (`isQuick`): while any is, only one run more may be placed, behind a `lookahead` head. */
  slow: number;
  /** Requests to send with the next message. */
  outbox: RunRequest[];
  outboxTransfers: Transferable[];
  failStart: (error: Error) => void;
}

/** Whether `run`'s task was known to be quick when it was placed (see `Run.expectedMs`). */
function isQuick(run: Run): boolean {
  return run.expectedMs < QUICK_RUN_MS;
}

/**
 * Runs jobs on Web Workers. Each worker runs one job at a time; when jobs are tiny, several are sent to a
 * worker in one message and their results come back together, so a burst costs a message per batch, not
 * per job. Workers are made lazily up to `size`, reaped when idle, and replaced when they die, time out or
 * are aborted. A run never hangs on a dead worker (comlink alone would never settle such a call): the
 * pool sees the worker's `error` event, and its death through a Web Lock the worker holds while it lives.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #slots = new Set<Slot>();
  /** Runs waiting for room in a worker, first come first served. */
  readonly #waiting: Array<{ seq: number; wake: () => void }> = [];
  #waitSeq = 0;
  /** Runs waiting for room (not yet in a worker), with the reason if they were aborted meanwhile. */
  readonly #starting = new Map<string, SerializedError | undefined>();
  #hello: Promise<WorkerHello> | undefined;
  /** How long runs take, as the workers measured them. */
  readonly #stats = new RunStats();
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Workers alive now. */
  get size(): number {
    return this.#slots.size;
  }

  /** How many runs the pool takes at once now: its workers, times how many may wait in each. */
  get capacity(): number {
    return this.#options.size * this.#stats.depth;
  }

  /** The tasks the workers serve, with their defaults (asked of the first worker, made if need be). */
  async tasks(): Promise<TaskManifest> {
    if (!this.#hello) {
      const slot = this.#spawn();
      this.#hello = slot.ready;
      slot.ready.then(() => this.#idleOrServe(slot), () => {});
    }
    try {
      return (await this.#hello).tasks;
    } catch (error) {
      this.#hello = undefined;
      throw error;
    }
  }

  /**
   * Runs one job: `ticket.ended` is told the handler's outcome or why the run ended. Past `ticket.timeoutMs`,
   * counted from the run's start, its worker is terminated and the run fails with `JobTimeoutError`.
   */
  start(ticket: ExecutorRun): void {
    // Room now, and nobody waiting for it before this run: the run goes into a worker's line at once, in this
    // turn (the common case, and the hot path of tiny jobs: no await, no bookkeeping for aborts meanwhile).
    let slot: Slot | undefined;
    try {
      slot = this.#waiting.length === 0 ? this.#place() : undefined;
    } catch (error) {
      const response: RunResponse = { ok: false, error: serializeError(error) };
      return queueMicrotask(() => ticket.ended(response));
    }
    if (slot) this.#runIn(slot, ticket);
    else void this.#waitThenRun(ticket);
  }

  /** {@link start} for a run that must wait for room: it may be aborted meanwhile (see {@link abort}). */
  async #waitThenRun(ticket: ExecutorRun): Promise<void> {
    this.#starting.set(ticket.runId, undefined);
    let slot: Slot | undefined;
    let failure: SerializedError | undefined;
    try {
      // No await between choosing a worker and taking room in it, unless there is no room to take. First come,
      // first served: a run waits behind runs already waiting. One placed after a wait wakes the next, as there
      // may be room for more; one woken for nothing goes back to its place in the line.
      const seq = this.#waitSeq++;
      while (!slot) {
        await new Promise<void>((wake) => {
          let at = this.#waiting.length;
          while (at > 0 && this.#waiting[at - 1]!.seq > seq) at--;
          this.#waiting.splice(at, 0, { seq, wake });
        });
        slot = this.#place();
      }
      this.#waiting.shift()?.wake();
    } catch (error) {
      failure = serializeError(error);
    }
    const abortedEarly = this.#starting.get(ticket.runId);
    this.#starting.delete(ticket.runId);
    if (!slot) return ticket.ended({ ok: false, error: failure! });
    if (abortedEarly) {
      this.#idleOrServe(slot);
      return ticket.ended({ ok: false, error: abortedEarly });
    }
    this.#runIn(slot, ticket);
  }

  /** Puts the run in `slot`'s worker's line, in this turn (so that the next run placed sees the room taken). */
  #runIn(slot: Slot, ticket: ExecutorRun): void {
    this.#enqueue(slot, {
      ticket,
      started: false,
      startedAt: 0,
      expectedMs: this.#stats.expectedMs(ticket.name),
      lookahead: this.#stats.isSteady(ticket.name),
      timer: undefined,
      transferables: takeTransferables(ticket.data),
      recalling: false,
      aborted: undefined,
    });
  }

  /** Puts `run` at the end of `slot`'s line, to be sent with the next message. */
  #enqueue(slot: Slot, run: Run): void {
    if (!isQuick(run)) slot.slow++;
    slot.runs.set(run.ticket.runId, run);
    if (run.transferables) slot.outboxTransfers.push(...run.transferables);
    if (slot.outbox.push(run.ticket) === 1) {
      if (slot.isReady) queueMicrotask(() => this.#send(slot));
      else slot.ready.then(() => this.#send(slot), () => {});
    }
  }

  /**
   * Stops a run: its `ctx.signal` is aborted with `reason` at once (a run still waiting in its worker is
   * dropped there), and its worker is terminated if it has not ended after `graceMs`. The run then ends
   * with `reason` as its error.
   */
  abort(runId: string, reason: Error, graceMs: number): void {
    const error = serializeError(reason);
    // Still waiting for a worker: it ends as soon as it gets one, before the handler starts.
    if (this.#starting.has(runId)) return void this.#starting.set(runId, error);
    const slot = [...this.#slots].find((s) => s.runs.has(runId));
    if (!slot) return;
    // Not sent yet (its worker is still starting): it simply never goes.
    const unsent = slot.outbox.findIndex((request) => request.runId === runId);
    if (unsent !== -1) {
      slot.outbox.splice(unsent, 1);
      return this.#finish(slot, runId, { ok: false, error });
    }
    slot.runs.get(runId)!.aborted = error;
    slot.remote.abort(runId, error).catch(() => {});
    this.#options.clock.setTimeout(() => {
      const run = slot.runs.get(runId);
      if (!run) return;
      if (slot.runs.keys().next().value === runId) this.#kill(slot, error);
      else this.#finish(slot, runId, { ok: false, error });
    }, graceMs);
  }

  /** Terminates the idle workers now. */
  trim(): void {
    for (const slot of [...this.#slots]) if (slot.runs.size === 0 && slot.isReady) this.#discard(slot);
  }

  /** Terminates every worker; runs in progress end with `WorkerCrashedError`. */
  close(): void {
    this.#closed = true;
    for (const slot of [...this.#slots]) this.#crash(slot, 'the pool was closed');
    for (const { wake } of this.#waiting.splice(0)) wake();
  }

  /**
   * A worker with room for one more run: an idle one, a new one while there may be more, or the least
   * busy one whose line is quick; `undefined` when all are full. A worker still starting is fine: runs
   * wait in its outbox.
   */
  #place(): Slot | undefined {
    if (this.#closed) throw new WorkerCrashedError('The worker pool is closed');
    let best: Slot | undefined;
    const now = this.#options.clock.now();
    for (const slot of this.#slots) {
      if (slot.dead) continue;
      if (slot.runs.size === 0) {
        best = slot;
        break;
      }
      const head = slot.runs.values().next().value!;
      const lineUp =
        slot.slow === 0
          ? !(head.started && now - head.startedAt >= QUICK_RUN_MS)
          : slot.runs.size === 1 && head.lookahead && !(head.started && now - head.startedAt >= 2 * head.expectedMs);
      if (!lineUp) continue;
      if (!best || slot.runs.size < best.runs.size) best = slot;
    }
    if ((!best || best.runs.size > 0) && this.#slots.size < this.#options.size) best = this.#spawn();
    if (!best || best.runs.size >= this.#stats.depth) return undefined;
    best.idleSince = undefined;
    return best;
  }

  #send(slot: Slot): void {
    if (slot.dead || slot.outbox.length === 0) return;
    const message = packRuns(slot.outbox);
    const transfers = slot.outboxTransfers;
    const requests = slot.outbox;
    slot.outbox = [];
    slot.outboxTransfers = [];
    try {
      slot.worker.postMessage(message, transfers);
    } catch {
      // Some job's data does not clone (a Proxy in data marked for transfer, which `add` does not clone to check,
      // or a buffer already moved): nothing was sent. Send them one by one; those that do not go fail.
      this.#sendOneByOne(slot, requests);
    }
    const head = slot.runs.values().next().value;
    if (head && !head.started) this.#start(slot, head);
  }

  #sendOneByOne(slot: Slot, requests: RunRequest[]): void {
    const refused: Array<[string, SerializedError]> = [];
    for (const request of requests) {
      try {
        slot.worker.postMessage(packRuns([request]), slot.runs.get(request.runId)?.transferables ?? []);
      } catch (error) {
        const problem = findUncloneable(request.data, 'data', { clone: true });
        const where = problem ? `${problem.path} ${problem.reason}` : `it was refused with its transfer list (${serializeError(error).message})`;
        const failure = new InvalidJobError(`The data of job ${request.jobId} (${request.name}) cannot be sent to a worker: ${where}`, {
          cause: problem?.cause ?? error,
          ...(problem && { path: problem.path }),
        });
        refused.push([request.runId, serializeError(failure)]);
      }
    }
    for (const [runId, error] of refused) this.#finish(slot, runId, { ok: false, error });
  }

  /** The run is the one its worker runs now: its timeout starts. */
  #start(slot: Slot, run: Run): void {
    run.started = true;
    run.startedAt = this.#options.clock.now();
    const ms = run.ticket.timeoutMs;
    if (ms === undefined) return;
    run.timer = this.#options.clock.setTimeout(() => {
      const { jobId, name } = run.ticket;
      const error = new JobTimeoutError(`Job ${jobId} (${name}) ran over its timeout of ${ms} ms: its worker was terminated`);
      this.#kill(slot, serializeError(error));
    }, ms);
  }

  /** Ends one run with `response`; the next in that worker's line starts. */
  #finish(slot: Slot, runId: string, response: RunResponse): void {
    const run = slot.runs.get(runId);
    if (!run) return;
    const wasHead = slot.runs.keys().next().value === runId;
    slot.runs.delete(runId);
    if (!isQuick(run)) slot.slow--;
    if (run.timer !== undefined) this.#options.clock.clearTimeout(run.timer);
    run.ticket.ended(response);
    const next = slot.runs.values().next().value;
    if (wasHead && next && !slot.outbox.includes(next.ticket)) this.#start(slot, next);
    this.#idleOrServe(slot);
  }

  /** The worker must go (a timeout, an abort it ignored): its running job ends with `error`, the rest go back unstarted. */
  #kill(slot: Slot, error: SerializedError): void {
    const [head] = slot.runs.keys();
    if (head !== undefined) this.#finish(slot, head, { ok: false, error });
    this.#discard(slot);
  }

  /** Room in a worker: someone waiting for it goes first; a worker with nothing to do starts its idle clock. */
  #idleOrServe(slot: Slot): void {
    if (slot.dead) return;
    const waiting = this.#waiting.shift()?.wake;
    if (waiting) return waiting();
    if (slot.runs.size > 0) return;
    slot.idleSince = this.#options.clock.now();
    this.#idleCheck(slot, this.#options.idleTimeoutMs);
    this.#recallOne();
  }

  /**
   * A worker went idle with nothing waiting for room: asks another worker for a run that waits behind one
   * that is not quick, to run it here (or wherever there is room when it comes back). The worker hands it
   * back if it reads the message before it gets to that run: while the run ahead awaits (I/O, a timer), not
   * while it computes. Then the run simply goes next there, as sent.
   */
  #recallOne(): void {
    for (const slot of this.#slots) {
      if (slot.dead || !slot.isReady || slot.runs.size < 2) continue;
      const [head, ...behind] = slot.runs.values();
      if (isQuick(head!)) continue;
      const run = behind.find((r) => !r.recalling && !r.started && !r.transferables && !slot.outbox.includes(r.ticket));
      if (!run) continue;
      run.recalling = true;
      slot.worker.postMessage(packRecall([run.ticket.runId]));
      return;
    }
  }

  /** `slot`'s worker handed back a run unstarted: it goes where there is room, first in line for it. */
  #recalled(slot: Slot, runId: string): void {
    const run = slot.runs.get(runId);
    if (!run) return;
    slot.runs.delete(runId);
    if (!isQuick(run)) slot.slow--;
    if (run.aborted) return run.ticket.ended({ ok: false, error: run.aborted });
    run.recalling = false;
    // Not the head here: the run ahead of it was still running when the worker handed it back. Should the page
    // have taken it for started all the same, its timeout starts again where it goes.
    if (run.timer !== undefined) this.#options.clock.clearTimeout(run.timer);
    run.timer = undefined;
    run.started = false;
    const place = (woken: boolean): void => {
      let target: Slot | undefined;
      try {
        target = this.#place();
      } catch (error) {
        return run.ticket.ended({ ok: false, error: serializeError(error) });
      }
      if (!target) return void this.#waiting.unshift({ seq: -1, wake: () => place(true) });
      this.#enqueue(target, run);
      // As in `#waitThenRun`: one placed after a wait wakes the next, as there may be room for more.
      if (woken) this.#waiting.shift()?.wake();
    };
    place(false);
  }

  /** In `ms`, terminates the worker if it has been idle for `idleTimeoutMs` by then, or looks again when it will have been. */
  #idleCheck(slot: Slot, ms: number): void {
    slot.idleTimer ??= this.#options.clock.setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.idleSince === undefined) return;
      const left = slot.idleSince + this.#options.idleTimeoutMs - this.#options.clock.now();
      if (left <= 0) this.#discard(slot);
      else this.#idleCheck(slot, left);
    }, ms);
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
    let failStart!: (error: Error) => void;
    const startFailed = new Promise<never>((_, reject) => (failStart = reject));
    const slot: Slot = {
      worker,
      remote: Comlink.wrap<WorkerApi>(worker),
      ready: startFailed,
      isReady: false,
      dead: false,
      idleSince: undefined,
      idleTimer: undefined,
      runs: new Map(),
      slow: 0,
      outbox: [],
      outboxTransfers: [],
      failStart,
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.#crash(slot, event instanceof ErrorEvent && event.message ? event.message : 'the worker script failed to load');
    });
    worker.addEventListener('messageerror', () => this.#crash(slot, 'a message from the worker could not be deserialized'));
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      const done = unpackDone(event.data);
      if (done) {
        for (const { runId, response, tookMs } of done.results) {
          if (tookMs !== undefined) this.#stats.note(slot.runs.get(runId)?.ticket.name, tookMs);
          this.#finish(slot, runId, response);
        }
        for (const runId of done.recalled) this.#recalled(slot, runId);
        return;
      }
      const progress = unpackProgress(event.data);
      if (progress) slot.runs.get(progress.runId)?.ticket.progress(progress.progress);
    });

    const lockName = typeof navigator !== 'undefined' && navigator.locks ? `offthread:worker:${newId()}` : undefined;
    const startTimer = this.#options.clock.setTimeout(
      () => this.#crash(slot, `it did not answer within ${this.#options.startTimeoutMs} ms of starting (does it call serveTasks?)`),
      this.#options.startTimeoutMs,
    );
    slot.ready = Promise.race([slot.remote.hello(lockName).then(unpackHello), startFailed]).then((hello) => {
      this.#options.clock.clearTimeout(startTimer);
      slot.isReady = true;
      // The worker holds this lock while it lives: it is granted to us the moment the worker dies,
      // however it dies (`self.close()` fires no event at all).
      if (lockName) void navigator.locks.request(lockName, () => this.#crash(slot, 'the worker closed or was killed'));
      return hello;
    });
    slot.ready.catch((error: unknown) => {
      this.#options.clock.clearTimeout(startTimer);
      // A hello refused or answered with something else: runs must not wait in this worker for a start that never comes.
      this.#crash(slot, `its hello failed: ${serializeError(error).message}`);
    });
    this.#slots.add(slot);
    return slot;
  }

  /** The worker died (or must go): its running job ends with `WorkerCrashedError`, the rest go back unstarted. */
  #crash(slot: Slot, reason: string): void {
    if (slot.dead) return;
    const error = new WorkerCrashedError(`A worker died: ${reason}`);
    slot.failStart(error);
    this.#kill(slot, serializeError(error));
  }

  #discard(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.idleTimer !== undefined) this.#options.clock.clearTimeout(slot.idleTimer);
    slot.worker.terminate();
    this.#slots.delete(slot);
    const notStarted: SerializedError = {
      name: 'NotStartedError',
      code: 'ERR_NOT_STARTED',
      message: 'The worker this job waited in went away before the job started',
    };
    for (const [runId, run] of [...slot.runs]) {
      slot.runs.delete(runId);
      if (run.timer !== undefined) this.#options.clock.clearTimeout(run.timer);
      run.ticket.ended({ ok: false, error: notStarted, notStarted: true });
    }
    // Whoever waits for room gets a new worker (and wakes the next, if there is room for more).
    this.#waiting.shift()?.wake();
  }
}

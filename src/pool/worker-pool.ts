import type { TimerHandle } from '../clock';
import { JobTimeoutError, serializeError, WorkerCrashedError, type SerializedError } from '../errors';
import type { RunRequest, RunResponse, RunResult, TaskManifest, WorkerHello } from '../protocol';
import type { ExecutorRun } from '../runner/executor';
import { takeTransferables } from '../task/transfer';
import { QUICK_RUN_MS, RunStats } from './run-stats';
import { WorkerSlot, type WorkerSlotOptions } from './worker-slot';

/** Options of a {@link WorkerPool}: those of each of its workers, and how many at most. A worker idle for `idleTimeoutMs` is terminated. */
export interface WorkerPoolOptions extends WorkerSlotOptions {
  /** The most workers alive at once. */
  size: number;
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

/** A worker's line of runs: what the pool placed in it. */
interface Line {
  slot: WorkerSlot;
  /** Runs sent to this worker, in the order it runs them: the first one is running. */
  runs: Map<string, Run>;
  /** How many of them are not quick (`isQuick`): while any is, only one run more may be placed, behind a `lookahead` head. */
  slow: number;
  /** Requests to send with the next message. */
  outbox: RunRequest[];
  outboxTransfers: Transferable[];
}

/** Whether `run`'s task was known to be quick when it was placed (see `Run.expectedMs`). */
function isQuick(run: Run): boolean {
  return run.expectedMs < QUICK_RUN_MS;
}

/**
 * Runs jobs on Web Workers. Each worker runs one job at a time; when jobs are tiny, several are sent to a
 * worker in one message and their results come back together, so a burst costs a message per batch, not
 * per job. Workers are made lazily up to `size`, reaped when idle, and replaced when they die, time out or
 * are aborted. This is the placement policy (which worker runs which job, how many wait in each); each
 * worker's life, from spawn to death, is its {@link WorkerSlot}'s.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #lines = new Set<Line>();
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
    return this.#lines.size;
  }

  /** How many runs the pool takes at once now: its workers, times how many may wait in each. */
  get capacity(): number {
    return this.#options.size * this.#stats.depth;
  }

  /** The tasks the workers serve, with their defaults (asked of the first worker, made if need be). */
  async tasks(): Promise<TaskManifest> {
    if (!this.#hello) {
      const line = this.#spawn();
      this.#hello = line.slot.ready;
      line.slot.ready.then(() => this.#idleOrServe(line), () => {});
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
    let line: Line | undefined;
    try {
      line = this.#waiting.length === 0 ? this.#place() : undefined;
    } catch (error) {
      const response: RunResponse = { ok: false, error: serializeError(error) };
      return queueMicrotask(() => ticket.ended(response));
    }
    if (line) this.#runIn(line, ticket);
    else void this.#waitThenRun(ticket);
  }

  /** {@link start} for a run that must wait for room: it may be aborted meanwhile (see {@link abort}). */
  async #waitThenRun(ticket: ExecutorRun): Promise<void> {
    this.#starting.set(ticket.runId, undefined);
    let line: Line | undefined;
    let failure: SerializedError | undefined;
    try {
      // No await between choosing a worker and taking room in it, unless there is no room to take. First come,
      // first served: a run waits behind runs already waiting. One placed after a wait wakes the next, as there
      // may be room for more; one woken for nothing goes back to its place in the line.
      const seq = this.#waitSeq++;
      while (!line) {
        await new Promise<void>((wake) => {
          let at = this.#waiting.length;
          while (at > 0 && this.#waiting[at - 1]!.seq > seq) at--;
          this.#waiting.splice(at, 0, { seq, wake });
        });
        line = this.#place();
      }
      this.#waiting.shift()?.wake();
    } catch (error) {
      failure = serializeError(error);
    }
    const abortedEarly = this.#starting.get(ticket.runId);
    this.#starting.delete(ticket.runId);
    if (!line) return ticket.ended({ ok: false, error: failure! });
    if (abortedEarly) {
      this.#idleOrServe(line);
      return ticket.ended({ ok: false, error: abortedEarly });
    }
    this.#runIn(line, ticket);
  }

  /** Puts the run in `line`'s worker's line, in this turn (so that the next run placed sees the room taken). */
  #runIn(line: Line, ticket: ExecutorRun): void {
    this.#enqueue(line, {
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

  /** Puts `run` at the end of `line`'s line, to be sent with the next message. */
  #enqueue(line: Line, run: Run): void {
    if (!isQuick(run)) line.slow++;
    line.runs.set(run.ticket.runId, run);
    if (run.transferables) line.outboxTransfers.push(...run.transferables);
    if (line.outbox.push(run.ticket) === 1) {
      if (line.slot.isReady) queueMicrotask(() => this.#send(line));
      else line.slot.ready.then(() => this.#send(line), () => {});
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
    const line = [...this.#lines].find((s) => s.runs.has(runId));
    if (!line) return;
    // Not sent yet (its worker is still starting): it simply never goes.
    const unsent = line.outbox.findIndex((request) => request.runId === runId);
    if (unsent !== -1) {
      line.outbox.splice(unsent, 1);
      return this.#finish(line, runId, { ok: false, error });
    }
    line.runs.get(runId)!.aborted = error;
    line.slot.abort(runId, error);
    this.#options.clock.setTimeout(() => {
      const run = line.runs.get(runId);
      if (!run) return;
      if (line.runs.keys().next().value === runId) this.#kill(line, error);
      else this.#finish(line, runId, { ok: false, error });
    }, graceMs);
  }

  /** Terminates the idle workers now. */
  trim(): void {
    for (const line of [...this.#lines]) if (line.runs.size === 0 && line.slot.isReady) this.#discard(line);
  }

  /** Terminates every worker; runs in progress end with `WorkerCrashedError`. */
  close(): void {
    this.#closed = true;
    for (const line of [...this.#lines]) line.slot.fail('the pool was closed');
    for (const { wake } of this.#waiting.splice(0)) wake();
  }

  /**
   * A worker with room for one more run: an idle one, a new one while there may be more, or the least
   * busy one whose line is quick; `undefined` when all are full. A worker still starting is fine: runs
   * wait in its outbox.
   */
  #place(): Line | undefined {
    if (this.#closed) throw new WorkerCrashedError('The worker pool is closed');
    let best: Line | undefined;
    const now = this.#options.clock.now();
    for (const line of this.#lines) {
      if (line.slot.dead) continue;
      if (line.runs.size === 0) {
        best = line;
        break;
      }
      const head = line.runs.values().next().value!;
      const lineUp =
        line.slow === 0
          ? !(head.started && now - head.startedAt >= QUICK_RUN_MS)
          : line.runs.size === 1 && head.lookahead && !(head.started && now - head.startedAt >= 2 * head.expectedMs);
      if (!lineUp) continue;
      if (!best || line.runs.size < best.runs.size) best = line;
    }
    if ((!best || best.runs.size > 0) && this.#lines.size < this.#options.size) best = this.#spawn();
    if (!best || best.runs.size >= this.#stats.depth) return undefined;
    best.slot.busy();
    return best;
  }

  #send(line: Line): void {
    if (line.slot.dead || line.outbox.length === 0) return;
    const requests = line.outbox;
    const transfers = line.outboxTransfers;
    line.outbox = [];
    line.outboxTransfers = [];
    const refused = line.slot.send(requests, transfers, (runId) => line.runs.get(runId)?.transferables);
    for (const [runId, error] of refused) this.#finish(line, runId, { ok: false, error });
    const head = line.runs.values().next().value;
    if (head && !head.started) this.#start(line, head);
  }

  /** The run is the one its worker runs now: its timeout starts. */
  #start(line: Line, run: Run): void {
    run.started = true;
    run.startedAt = this.#options.clock.now();
    const ms = run.ticket.timeoutMs;
    if (ms === undefined) return;
    run.timer = this.#options.clock.setTimeout(() => {
      const { jobId, name } = run.ticket;
      const error = new JobTimeoutError(`Job ${jobId} (${name}) ran over its timeout of ${ms} ms: its worker was terminated`);
      this.#kill(line, serializeError(error));
    }, ms);
  }

  /** Ends one run with `response`; the next in that worker's line starts. */
  #finish(line: Line, runId: string, response: RunResponse): void {
    const run = line.runs.get(runId);
    if (!run) return;
    const wasHead = line.runs.keys().next().value === runId;
    line.runs.delete(runId);
    if (!isQuick(run)) line.slow--;
    if (run.timer !== undefined) this.#options.clock.clearTimeout(run.timer);
    run.ticket.ended(response);
    const next = line.runs.values().next().value;
    if (wasHead && next && !line.outbox.includes(next.ticket)) this.#start(line, next);
    this.#idleOrServe(line);
  }

  /** The worker must go (a timeout, an abort it ignored): its running job ends with `error`, the rest go back unstarted. */
  #kill(line: Line, error: SerializedError): void {
    const [head] = line.runs.keys();
    if (head !== undefined) this.#finish(line, head, { ok: false, error });
    this.#discard(line);
  }

  /** Room in a worker: someone waiting for it goes first; a worker with nothing to do starts its idle clock. */
  #idleOrServe(line: Line): void {
    if (line.slot.dead) return;
    const waiting = this.#waiting.shift()?.wake;
    if (waiting) return waiting();
    if (line.runs.size > 0) return;
    line.slot.idle();
    this.#recallOne();
  }

  /**
   * A worker went idle with nothing waiting for room: asks another worker for a run that waits behind one
   * that is not quick, to run it here (or wherever there is room when it comes back). The worker hands it
   * back if it reads the message before it gets to that run: while the run ahead awaits (I/O, a timer), not
   * while it computes. Then the run simply goes next there, as sent.
   */
  #recallOne(): void {
    for (const line of this.#lines) {
      if (line.slot.dead || !line.slot.isReady || line.runs.size < 2) continue;
      const [head, ...behind] = line.runs.values();
      if (isQuick(head!)) continue;
      const run = behind.find((r) => !r.recalling && !r.started && !r.transferables && !line.outbox.includes(r.ticket));
      if (!run) continue;
      run.recalling = true;
      line.slot.recall([run.ticket.runId]);
      return;
    }
  }

  /** `line`'s worker handed back a run unstarted: it goes where there is room, first in line for it. */
  #recalled(line: Line, runId: string): void {
    const run = line.runs.get(runId);
    if (!run) return;
    line.runs.delete(runId);
    if (!isQuick(run)) line.slow--;
    if (run.aborted) return run.ticket.ended({ ok: false, error: run.aborted });
    run.recalling = false;
    // Not the head here: the run ahead of it was still running when the worker handed it back. Should the page
    // have taken it for started all the same, its timeout starts again where it goes.
    if (run.timer !== undefined) this.#options.clock.clearTimeout(run.timer);
    run.timer = undefined;
    run.started = false;
    const place = (woken: boolean): void => {
      let target: Line | undefined;
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

  /** A new worker, with its line: its events come back here. */
  #spawn(): Line {
    const slot = new WorkerSlot(this.#options, {
      done: (results, recalled) => this.#done(line, results, recalled),
      progress: (runId, progress) => line.runs.get(runId)?.ticket.progress(progress),
      // Its running job ends with `WorkerCrashedError`, the rest go back unstarted.
      died: (error) => this.#kill(line, serializeError(error)),
      expired: () => this.#discard(line),
    });
    const line: Line = { slot, runs: new Map(), slow: 0, outbox: [], outboxTransfers: [] };
    this.#lines.add(line);
    return line;
  }

  /** Outcomes told by `line`'s worker, and runs it handed back. */
  #done(line: Line, results: RunResult[], recalled: string[]): void {
    for (const { runId, response, tookMs } of results) {
      if (tookMs !== undefined) this.#stats.note(line.runs.get(runId)?.ticket.name, tookMs);
      this.#finish(line, runId, response);
    }
    for (const runId of recalled) this.#recalled(line, runId);
  }

  /** Terminates `line`'s worker: runs still in its line go back unstarted. */
  #discard(line: Line): void {
    if (line.slot.dead) return;
    line.slot.terminate();
    this.#lines.delete(line);
    const notStarted: SerializedError = {
      name: 'NotStartedError',
      code: 'ERR_NOT_STARTED',
      message: 'The worker this job waited in went away before the job started',
    };
    for (const [runId, run] of [...line.runs]) {
      line.runs.delete(runId);
      if (run.timer !== undefined) this.#options.clock.clearTimeout(run.timer);
      run.ticket.ended({ ok: false, error: notStarted, notStarted: true });
    }
    // Whoever waits for room gets a new worker (and wakes the next, if there is room for more).
    this.#waiting.shift()?.wake();
  }
}

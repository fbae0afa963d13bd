/**
 * A task whose runs take less than this on average (in ms) is quick: the pool lines other runs up behind its
 * runs, and a worker holds back the outcomes of its runs to send them together. Before a run that may take
 * longer (a task not known to be quick, its time unknown at its first run), the worker sends what it holds.
 */
export const QUICK_RUN_MS = 4;

/**
 * A task whose runs take less than this on average (ms), and not less than {@link QUICK_RUN_MS}, may have one run
 * waiting behind each of its runs in a worker: the worker goes on to it at once, where it would wait for the
 * page's next message (a round trip, about 0.3 ms here when both threads sleep: up to 7% of a 5 ms job). Longer
 * runs go one at a time: the gap is next to nothing beside them, and a job claimed early waits longer. Only
 * behind runs of a task that takes about as long each time; and a run waiting behind one that awaits (I/O, a
 * timer) is handed to a worker that goes idle meanwhile (the pool's recall).
 */
export const LOOKAHEAD_MS = 100;

/** A moving average of run times (ms), `Infinity` before the first. */
export function averageRunMs(averageMs: number, tookMs: number): number {
  return averageMs === Infinity ? tookMs : averageMs * 0.8 + tookMs * 0.2;
}

/**
 * How many runs may be in one worker at once, by how long runs take: deep lines for tiny jobs (one message
 * carries many, and the worker never waits for the page); two for jobs of a few milliseconds, so the worker
 * goes on to the next without waiting for the page (only behind a task whose runs take about as long each
 * time: see {@link RunStats.isSteady}); one at a time for jobs long enough that a message per job costs nothing.
 */
export function depthFor(averageMs: number): number {
  // Deep lines hold about 16 ms of work at most, so a job of higher priority added meanwhile waits no longer.
  // The deepest is for jobs of a few microseconds: the page's cost per message, not the worker, sets the pace
  // (10,000 no-op jobs on 2 workers, one bench run each, back to back: 64 per line, 168 ms; 256, 128 ms).
  if (averageMs < 1 / 16) return 256;
  if (averageMs < 0.25) return 64;
  if (averageMs < 1) return 16;
  if (averageMs < QUICK_RUN_MS) return 4;
  if (averageMs < LOOKAHEAD_MS) return 2;
  return 1;
}

/** How long a task's runs take, as the workers measured them. */
interface TaskTimes {
  /** A moving average (ms). */
  ms: number;
  /** A moving average of how far runs were from `ms`: a run waits behind one of this task only while it is at most half of `ms`. */
  spreadMs: number;
}

/**
 * How long runs take, as the thread that ran them measured them (measured on the page, a time would include
 * the page's own busy time): over all runs, which sizes the pool's batches, and per task, which tells whether
 * a run is quick and whether another may wait behind it. Kept by the pool; a worker keeps only its averages
 * per task ({@link averageRunMs}), to tell quick runs.
 */
export class RunStats {
  #averageMs = Infinity;
  readonly #tasks = new Map<string, TaskTimes>();

  /** Notes a run that took `tookMs`, of task `name` if it is known. */
  note(name: string | undefined, tookMs: number): void {
    this.#averageMs = averageRunMs(this.#averageMs, tookMs);
    if (name === undefined) return;
    const known = this.#tasks.get(name);
    // The spread starts at half the first run's time, the edge of steady: a task is steady from its first run
    // until one run lies far from its average (then it takes a few runs alike to be steady again).
    // In place: no object per run.
    if (!known) return void this.#tasks.set(name, { ms: tookMs, spreadMs: tookMs / 2 });
    known.spreadMs = averageRunMs(known.spreadMs, Math.abs(tookMs - known.ms));
    known.ms = averageRunMs(known.ms, tookMs);
  }

  /** How many runs may be in one worker at once now ({@link depthFor} the average of all runs). */
  get depth(): number {
    return depthFor(this.#averageMs);
  }

  /** How long runs of task `name` take on average (ms), `Infinity` before its first. */
  expectedMs(name: string): number {
    return this.#tasks.get(name)?.ms ?? Infinity;
  }

  /** Whether runs of task `name` take a few milliseconds ({@link LOOKAHEAD_MS}), and about as long each time: one run may wait behind one of them. */
  isSteady(name: string): boolean {
    const times = this.#tasks.get(name);
    return times !== undefined && times.ms < LOOKAHEAD_MS && times.spreadMs <= times.ms / 2;
  }
}

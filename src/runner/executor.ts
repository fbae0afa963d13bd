import type { RunRequest, RunResponse } from '../protocol';

/**
 * One run handed to an {@link Executor}: what to run, and where its progress and its outcome go. The runner's
 * own record of a run is this object, so that a run costs no options, closures or promise of its own.
 */
export interface ExecutorRun extends RunRequest {
  /** Each `ctx.progress` value, while the run goes on. */
  progress(value: unknown): void;
  /** The run's outcome: told once, and never before `start` has returned. */
  ended(response: RunResponse): void;
}

/** Runs jobs: the worker pool in a page, the thread itself in a service worker. */
export interface Executor {
  /** Starts `run` (stopped past its `timeoutMs`, if it has one); its progress and outcome go to `run`. Never throws. */
  start(run: ExecutorRun): void;
  /** Stops a run: aborts its signal now, and kills it after `graceMs`. */
  abort(runId: string, reason: Error, graceMs: number): void;
  /**
   * How many runs it takes at once now, if not `concurrency`: a pool that lines up tiny jobs in its
   * workers takes more, so that one commit claims a batch of them.
   */
  readonly capacity?: number;
  close(): void;
}

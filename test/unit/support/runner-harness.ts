import { afterEach } from 'vitest';
import type { SerializedError } from '../../../src/errors';
import type { JobRecord, JobState } from '../../../src/job/job';
import { resolveJobOptions, type JobOptions } from '../../../src/job/job-options';
import type { RunRequest, RunResponse } from '../../../src/protocol';
import { Runner } from '../../../src/runner/runner';
import type { RunnerEvent, RunnerListener, RunnerOptions } from '../../../src/runner/runner-options';
import type { ClaimRequest, CommitResult, JobUpdate } from '../../../src/store/job-store';
import { MemoryJobStore } from '../../../src/store/memory-job-store';
import { FakeClock, flushMicrotasks } from './fake-clock';
import { FakeExecutor } from './fake-executor';
import { FakeLocks } from './fake-locks';

/**
 * A {@link MemoryJobStore} that counts its commits, and fails one (storing nothing) when `refuse` returns
 * an error for it, as IndexedDB rejects a whole transaction.
 */
export class CountingStore extends MemoryJobStore {
  commits = 0;
  /** Per commit, in order: how many updates it wrote, and whether it looked for jobs to claim. */
  readonly log: Array<{ updates: number; claimed: boolean }> = [];
  refuse: ((updates: readonly JobUpdate[], claim: ClaimRequest | undefined) => Error | undefined) | undefined;
  /** While set, a commit waits for it before it reads or writes: a test holds a claim under way. */
  gate: Promise<void> | undefined;
  override commit(updates: readonly JobUpdate[], claim?: ClaimRequest): Promise<CommitResult> {
    this.commits++;
    this.log.push({ updates: updates.length, claimed: claim !== undefined });
    const error = this.refuse?.(updates, claim);
    if (error) return Promise.reject(error);
    if (this.gate) return this.gate.then(() => super.commit(updates, claim));
    return super.commit(updates, claim);
  }
}

/**
 * One thing the runner told its listener; for a job, its id and its state after. The end of a run that was
 * recorded is `settled`, `as` the event the runner told (`completed`, `failed` or `retrying`).
 */
export type ListenerCall =
  | { event: 'active'; id: string; state: JobState; attempt: number }
  | { event: 'progress'; id: string; progress: unknown }
  | { event: 'settled'; as: Exclude<RunnerEvent, 'active' | 'stalled'>; id: string; state: JobState; value: unknown; job: JobRecord }
  | { event: 'stalled'; id: string; state: JobState; job: JobRecord }
  | { event: 'drained' }
  | { event: 'error'; error: unknown };

export interface Harness {
  clock: FakeClock;
  store: CountingStore;
  executor: FakeExecutor;
  runner: Runner;
  calls: ListenerCall[];
  /** Adds jobs as `queue.add` would resolve them; returns their ids. */
  add(...jobs: Array<{ name?: string; data?: unknown; opts?: JobOptions }>): Promise<string[]>;
  /** The stored record of job `id`. */
  job(id: string): Promise<JobRecord>;
  /** Listener calls of one kind. */
  callsOf<E extends ListenerCall['event']>(event: E): Array<Extract<ListenerCall, { event: E }>>;
  /** Lets the runner's pending promise work settle. */
  settle(): Promise<void>;
}

/**
 * A {@link Runner} over a {@link CountingStore}, a {@link FakeExecutor} and a {@link FakeClock}, with
 * `random` fixed at 0 (backoff waits exactly its delay). Not started: call `runner.start()`.
 */
export function createHarness(
  options: Partial<Omit<RunnerOptions, 'store' | 'executor' | 'clock' | 'listener'>> & {
    autoRespond?: (request: RunRequest) => RunResponse;
    random?: () => number;
  } = {},
): Harness {
  const { autoRespond, random = () => 0, ...runnerOptions } = options;
  const clock = new FakeClock();
  const store = new CountingStore({ now: () => clock.now(), random });
  const executor = new FakeExecutor(autoRespond);
  const calls: ListenerCall[] = [];
  const listener: RunnerListener = {
    job: (event, job, value) => {
      if (event === 'active') calls.push({ event, id: job.id, state: job.state, attempt: job.attempt });
      else if (event === 'stalled') calls.push({ event, id: job.id, state: job.state, job });
      else calls.push({ event: 'settled', as: event, id: job.id, state: job.state, value, job });
    },
    progress: (job, progress) => calls.push({ event: 'progress', id: job.id, progress }),
    drained: () => calls.push({ event: 'drained' }),
    error: (error) => calls.push({ event: 'error', error }),
  };
  const runner = new Runner({
    store,
    executor,
    clock,
    listener,
    concurrency: 1,
    leaseMs: 30_000,
    maxStalls: 1,
    cancelGraceMs: 1_000,
    reclaimIntervalMs: 5_000,
    progressFlushMs: 250,
    isOnline: () => true,
    // As in Node, with no Web Locks: lease expiry tells a dead owner (a test may give locks that tell).
    locks: new FakeLocks({ tells: false }),
    label: 'tab:test',
    ...runnerOptions,
  } as RunnerOptions);
  let counter = 0;
  return {
    clock,
    store,
    executor,
    runner,
    calls,
    async add(...jobs) {
      const now = clock.now();
      const added = await store.add(
        jobs.map(({ name = 'task', data = null, opts }) => resolveJobOptions(name, data, { jobId: `job-${++counter}`, ...opts }, now)),
      );
      return added.map(({ job }) => job.id);
    },
    async job(id) {
      const job = await store.get(id);
      if (!job) throw new Error(`No job ${id}`);
      return job;
    },
    callsOf(event) {
      return calls.filter((call) => call.event === event) as never;
    },
    settle: flushMicrotasks,
  };
}

/**
 * For a test file: `create` makes a harness, `started` makes one and starts its runner; each is closed
 * (forcibly) after its test.
 */
export function useHarness(): {
  create: (options?: Parameters<typeof createHarness>[0]) => Harness;
  started: (options?: Parameters<typeof createHarness>[0]) => Promise<Harness>;
} {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.runner.close({ force: true });
  });
  const create = (options?: Parameters<typeof createHarness>[0]) => {
    const h = createHarness(options);
    open.push(h);
    return h;
  };
  return {
    create,
    async started(options) {
      const h = create(options);
      await h.runner.start();
      await h.settle();
      return h;
    },
  };
}

/** What a handler threw, as a run's response carries it. */
export const thrown: SerializedError = { name: 'RangeError', message: 'width out of range', stack: 'RangeError: width out of range' };
/** How the pool reports a worker that died mid-run. */
export const crash: SerializedError = { name: 'WorkerCrashedError', code: 'ERR_WORKER_CRASHED', message: 'A worker died: error event' };

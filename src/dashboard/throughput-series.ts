/** The times of a finished job that the chart reads. */
export interface FinishedJob {
  id: string;
  state: string;
  createdAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
}

/** One bucket of the chart: jobs that finished in it, and their summed times. */
interface Bucket {
  completed: number;
  failed: number;
  latencySum: number;
  waitSum: number;
  waitCount: number;
}

/** The chart's columns, as uPlot takes them: x in seconds, then one array per series (`null` where nothing finished). */
export type ThroughputData = [x: number[], completed: number[], failed: number[], latency: Array<number | null>, wait: Array<number | null>];

/** Totals over the whole window. */
export interface ThroughputTotals {
  completed: number;
  failed: number;
  /** Mean of `finishedAt - createdAt`, in ms; `undefined` when nothing finished. */
  latencyMs: number | undefined;
  /** Mean of `startedAt - createdAt`, in ms. */
  waitMs: number | undefined;
}

/**
 * Jobs finished per second and their latency, in fixed buckets over a sliding window: what the dashboard's
 * chart draws. Latency is `finishedAt - createdAt` (added to finished: queueing, retries and the run);
 * wait is `startedAt - createdAt` (added to the latest run's start). Pure: the time is passed in.
 * @example
 * const series = new ThroughputSeries(300_000, 5_000);
 * queue.on('completed', ({ job }) => series.record(job));
 * chart.setData(series.data(Date.now()));
 */
export class ThroughputSeries {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly #buckets = new Map<number, Bucket>();
  /** Jobs counted, by `id@finishedAt`, so that a job seen both in the store and in an event counts once. */
  readonly #seen = new Map<string, number>();

  constructor(windowMs: number, bucketMs: number) {
    this.windowMs = windowMs;
    this.bucketMs = bucketMs;
  }

  /** Counts a job that ended `completed` or `failed`; others, and those outside the window at `now`, are skipped. */
  record(job: FinishedJob, now: number): boolean {
    if (job.finishedAt === undefined || (job.state !== 'completed' && job.state !== 'failed')) return false;
    const index = Math.floor(job.finishedAt / this.bucketMs);
    if (index < this.#firstIndex(now) || job.finishedAt > now + this.bucketMs) return false;
    const key = `${job.id}@${job.finishedAt}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, job.finishedAt);
    let bucket = this.#buckets.get(index);
    if (!bucket) this.#buckets.set(index, (bucket = { completed: 0, failed: 0, latencySum: 0, waitSum: 0, waitCount: 0 }));
    if (job.state === 'completed') bucket.completed++;
    else bucket.failed++;
    bucket.latencySum += Math.max(0, job.finishedAt - job.createdAt);
    if (job.startedAt !== undefined) {
      bucket.waitSum += Math.max(0, job.startedAt - job.createdAt);
      bucket.waitCount++;
    }
    return true;
  }

  /** The window ending at `now`, one point per bucket, oldest first (the last bucket is the one `now` is in). */
  data(now: number): ThroughputData {
    this.#prune(now);
    const last = Math.floor(now / this.bucketMs);
    const perSecond = 1_000 / this.bucketMs;
    const data: ThroughputData = [[], [], [], [], []];
    for (let index = this.#firstIndex(now); index <= last; index++) {
      const bucket = this.#buckets.get(index);
      const finished = bucket ? bucket.completed + bucket.failed : 0;
      data[0].push(((index + 1) * this.bucketMs) / 1_000);
      data[1].push((bucket?.completed ?? 0) * perSecond);
      data[2].push((bucket?.failed ?? 0) * perSecond);
      data[3].push(bucket && finished > 0 ? bucket.latencySum / finished : null);
      data[4].push(bucket && bucket.waitCount > 0 ? bucket.waitSum / bucket.waitCount : null);
    }
    return data;
  }

  /** Jobs and mean times over the window ending at `now`. */
  totals(now: number): ThroughputTotals {
    this.#prune(now);
    let completed = 0;
    let failed = 0;
    let latencySum = 0;
    let waitSum = 0;
    let waitCount = 0;
    for (const bucket of this.#buckets.values()) {
      completed += bucket.completed;
      failed += bucket.failed;
      latencySum += bucket.latencySum;
      waitSum += bucket.waitSum;
      waitCount += bucket.waitCount;
    }
    const finished = completed + failed;
    return {
      completed,
      failed,
      latencyMs: finished > 0 ? latencySum / finished : undefined,
      waitMs: waitCount > 0 ? waitSum / waitCount : undefined,
    };
  }

  /** The index of the oldest bucket in the window ending at `now`. */
  #firstIndex(now: number): number {
    return Math.floor(now / this.bucketMs) - Math.ceil(this.windowMs / this.bucketMs) + 1;
  }

  #prune(now: number): void {
    const first = this.#firstIndex(now);
    for (const index of this.#buckets.keys()) if (index < first) this.#buckets.delete(index);
    const oldest = first * this.bucketMs;
    for (const [key, finishedAt] of this.#seen) if (finishedAt < oldest) this.#seen.delete(key);
  }
}

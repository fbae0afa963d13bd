import { claimAction, eligibility } from '../job/claim';
import { compareDue, compareReady, createJobRecord, emptyCounts, type JobCounts, type JobRecord } from '../job/job';
import type { NewJob } from '../job/job-options';
import { newId } from '../job/new-id';
import { transition, type JobAction } from '../job/transition';
import type { ScheduleRecord } from '../schedule/schedule';
import { Heap } from './heap';
import type { ClaimRequest, CleanQuery, CommitResult, JobStore, JobUpdate, ListQuery, StoreEnv } from './job-store';

/**
 * Jobs kept in this page's memory: no persistence, least overhead. Records are replaced, never mutated,
 * so a heap entry whose record is no longer the stored one is stale and skipped.
 */
export class MemoryJobStore implements JobStore {
  readonly kind = 'memory' as const;
  readonly #env: StoreEnv;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #ready = new Heap<JobRecord>(compareReady);
  readonly #due = new Heap<JobRecord>(compareDue);
  readonly #counts = emptyCounts();
  readonly #meta = new Map<string, unknown>();
  readonly #schedules = new Map<string, ScheduleRecord>();
  #seq = 0;

  constructor(env: StoreEnv) {
    this.#env = env;
  }

  async add(jobs: readonly NewJob[]): Promise<Array<{ job: JobRecord; created: boolean }>> {
    const now = this.#env.now();
    return jobs.map((newJob) => {
      const existing = newJob.id === undefined ? undefined : this.#jobs.get(newJob.id);
      if (existing) return { job: existing, created: false };
      const job = createJobRecord(newJob, newJob.id ?? newId(), ++this.#seq, now);
      this.#put(job);
      return { job, created: true };
    });
  }

  async commit(updates: readonly JobUpdate[], claim?: ClaimRequest): Promise<CommitResult> {
    const updated = updates.map(({ id, action }) => this.#apply(id, action));
    if (!claim) return { updated, claimed: [], nextRunAt: undefined };

    const now = this.#env.now();
    for (let job = this.#peekValid(this.#due); job && job.runAt <= now; job = this.#peekValid(this.#due)) {
      this.#due.pop();
      this.#apply(job.id, { type: 'promote' });
    }
    const claimed: JobRecord[] = [];
    const skipped: JobRecord[] = [];
    const { admits } = eligibility(claim);
    while (claimed.length < claim.max) {
      const job = this.#peekValid(this.#ready);
      if (!job) break;
      this.#ready.pop();
      if (!admits(job)) {
        skipped.push(job);
        continue;
      }
      const action = claimAction(claim, claim.token(), now);
      if (claim.defer) {
        // Taken, not written: the job stays waiting here (and in line) until its runner writes the claim.
        const next = transition(job, action, { now, random: this.#env.random });
        skipped.push(job);
        if (next) claimed.push(next);
        continue;
      }
      const next = this.#apply(job.id, action);
      if (next) claimed.push(next);
    }
    for (const job of skipped) this.#ready.push(job);
    return { updated, claimed, nextRunAt: this.#peekValid(this.#due)?.runAt };
  }

  async updateActive(select: (job: JobRecord) => boolean, action: JobAction): Promise<JobRecord[]> {
    const changed: JobRecord[] = [];
    for (const job of [...this.#jobs.values()]) {
      if (job.state !== 'active' || !select(job)) continue;
      const next = this.#apply(job.id, action);
      if (next) changed.push(next);
    }
    return changed;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.#jobs.get(id);
  }

  async remove(ids: readonly string[]): Promise<JobRecord[]> {
    const removed: JobRecord[] = [];
    for (const id of ids) {
      const job = this.#jobs.get(id);
      if (!job) continue;
      this.#jobs.delete(id);
      this.#counts[job.state]--;
      removed.push(job);
    }
    return removed;
  }

  async clean({ state, finishedBefore, keep, limit }: CleanQuery): Promise<string[]> {
    const finished = [...this.#jobs.values()]
      .filter((job) => job.state === state)
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.seq - b.seq);
    let excess = keep === undefined ? 0 : Math.max(0, finished.length - keep);
    const cutoff = finishedBefore ?? -Infinity;
    const doomed: string[] = [];
    for (const job of finished) {
      if (doomed.length >= limit || (excess <= 0 && (job.finishedAt ?? 0) >= cutoff)) break;
      doomed.push(job.id);
      excess--;
    }
    await this.remove(doomed);
    return doomed;
  }

  async list({ state, limit = 50, offset = 0, order = 'desc' }: ListQuery = {}): Promise<JobRecord[]> {
    const jobs = [...this.#jobs.values()].filter((job) => state === undefined || job.state === state);
    jobs.sort(order === 'asc' ? (a, b) => a.seq - b.seq : (a, b) => b.seq - a.seq);
    return jobs.slice(offset, offset + limit);
  }

  async counts(): Promise<JobCounts> {
    return { ...this.#counts };
  }

  async putSchedule(schedule: ScheduleRecord): Promise<void> {
    this.#schedules.set(schedule.id, schedule);
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return this.#schedules.delete(id);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return [...this.#schedules.values()];
  }

  async materialize(
    id: string,
    expectedNextRunAt: number,
    jobs: readonly NewJob[],
    next: { nextRunAt: number | undefined; lastRunAt: number | undefined },
  ): Promise<JobRecord[] | null> {
    const schedule = this.#schedules.get(id);
    if (!schedule || schedule.nextRunAt !== expectedNextRunAt) return null;
    const added = await this.add(jobs);
    if (next.nextRunAt === undefined) this.#schedules.delete(id);
    else this.#schedules.set(id, { ...schedule, nextRunAt: next.nextRunAt, lastRunAt: next.lastRunAt ?? schedule.lastRunAt });
    return added.filter((a) => a.created).map((a) => a.job);
  }

  async getMeta(key: string): Promise<unknown> {
    return this.#meta.get(key);
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    this.#meta.set(key, value);
  }

  close(): void {}

  #apply(id: string, action: JobAction): JobRecord | null {
    const job = this.#jobs.get(id);
    const next = job ? transition(job, action, { now: this.#env.now(), random: this.#env.random }) : null;
    if (next) this.#put(next);
    return next;
  }

  #put(job: JobRecord): void {
    const previous = this.#jobs.get(job.id);
    if (previous) this.#counts[previous.state]--;
    this.#counts[job.state]++;
    this.#jobs.set(job.id, job);
    if (job.state === 'waiting') this.#ready.push(job);
    else if (job.state === 'delayed') this.#due.push(job);
  }

  /** The heap's top entry that is still the stored record, dropping stale ones. */
  #peekValid(heap: Heap<JobRecord>): JobRecord | undefined {
    for (let job = heap.peek(); job; job = heap.peek()) {
      if (this.#jobs.get(job.id) === job) return job;
      heap.pop();
    }
    return undefined;
  }
}

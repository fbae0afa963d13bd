import { unwrap } from 'idb';
import { claimAction, eligibility, type ClaimRequest } from '../job/claim';
import { compareReady, type JobRecord } from '../job/job';
import { transition, type JobAction } from '../job/transition';
import type { ReadyLine } from './idb-line';
import { readEach, stateRange } from './idb-requests';
import type { JobRows } from './idb-rows';
import type { Findings, JobsTx } from './idb-transaction';
import type { CommitResult, JobUpdate, StoreEnv } from './job-store';
import { fromRow } from './queue-db';

/** How many due delayed jobs one commit moves to `waiting`, so that one transaction stays short. */
const PROMOTE_BATCH = 500;

/** What a commit works with: the store's clock, its rows and its line. */
export interface CommitParts {
  env: StoreEnv;
  rows: JobRows;
  line: ReadyLine;
}

/**
 * `JobStore.commit` in the transaction `tx`: applies `updates` in order, then, if asked, moves due delayed jobs to
 * `waiting` and claims up to `claim.max` of the best ready jobs.
 */
export async function commitIn(
  tx: JobsTx,
  findings: Findings,
  updates: readonly JobUpdate[],
  claim: ClaimRequest | undefined,
  { env, rows, line }: CommitParts,
): Promise<CommitResult> {
  const jobs = tx.objectStore('jobs');
  // All reads asked at once (the transaction serves them in order, without a round trip each). The updates
  // of one job (a deferred claim and the run's outcome, say) are applied in order to one read, and written once.
  const updated: Array<JobRecord | null> = [];
  const byJob = new Map<string, number[]>();
  updates.forEach(({ id }, i) => {
    const indexes = byJob.get(id);
    if (indexes) indexes.push(i);
    else byJob.set(id, [i]);
  });
  const at = { now: env.now(), random: env.random };
  // Plain requests, not idb's promises: a commit of a burst reads and writes hundreds of rows.
  await readEach(unwrap(tx).objectStore('jobs'), byJob.keys(), (id, row) => {
    // A row put aside here is `corrupt`: no action applies to it.
    let job = row === undefined ? null : rows.checked(tx, row, id, findings);
    let changed = false;
    for (const i of byJob.get(id)!) {
      const next = job && transition(job, updates[i]!.action, at);
      updated[i] = next;
      if (next) (job = next), (changed = true);
    }
    if (changed) rows.put(tx, job, findings);
  });
  if (!claim) return { updated, claimed: [], nextRunAt: undefined };

  // The delayed jobs now due, the best ready ones and the next due time, read at once: one round trip.
  const now = env.now();
  const claimAt = { now, random: env.random };
  const test = eligibility(claim);
  const index = jobs.index('due');
  const [due, ready, next] = await Promise.all([
    index.getAll(IDBKeyRange.upperBound([now, Infinity]), PROMOTE_BATCH),
    claim.max > 0 ? line.best(tx, claim, test, findings) : [],
    index.openKeyCursor(IDBKeyRange.lowerBound([now, Infinity], true)),
  ]);
  // The due jobs join the line after the read of it (and after it set its floor): they compete here.
  const candidates: JobRecord[] = ready.map(fromRow);
  for (const row of due) {
    const found = rows.checked(tx, row, row.id, findings);
    if (found.state !== 'delayed') continue;
    const job = rows.put(tx, transition(found, { type: 'promote' }, claimAt), findings);
    if (job && test.admits(job)) candidates.push(job);
  }
  if (candidates.length > ready.length) candidates.sort(compareReady).length = Math.min(candidates.length, claim.max);

  const claimed: JobRecord[] = [];
  for (const candidate of candidates) {
    const job = transition(candidate, claimAction(claim, claim.token(), now), claimAt);
    // Deferred: taken, not written (the runner writes the claim later, with the outcome if the run is over).
    if (job) claimed.push(claim.defer ? job : rows.put(tx, job, findings)!);
  }
  // More due than one commit promotes: the rest are due now.
  const nextRunAt = due.length === PROMOTE_BATCH ? now : next?.key[0];
  return { updated, claimed, nextRunAt };
}

/** `JobStore.updateActive` in the transaction `tx`. */
export async function updateActiveIn(
  tx: JobsTx,
  findings: Findings,
  select: (job: JobRecord) => boolean,
  action: JobAction,
  { env, rows }: CommitParts,
): Promise<JobRecord[]> {
  const active = await tx.objectStore('jobs').index('state').getAll(stateRange('active'));
  const changed: JobRecord[] = [];
  for (const row of active) {
    const job = rows.checked(tx, row, row.id, findings);
    if (job.state !== 'active' || !select(job)) continue;
    const next = rows.put(tx, transition(job, action, { now: env.now(), random: env.random }), findings);
    if (next) changed.push(next);
  }
  return changed;
}

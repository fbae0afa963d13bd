// Helpers for the fault and load tests: who runs the queue, killing tabs, and reading the run log.
import type { BrowserContext, Page } from '@playwright/test';
import type { RunEntry } from '../harness/run-log';

export type { RunEntry };

export { HARNESS_ORIGIN } from './harness';

/** Resolves once some tab of `page`'s origin holds the runner lock of `queue`. */
export async function waitForRunnerLock(page: Page, queue: string, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(
    async (name) => ((await navigator.locks.query()).held ?? []).some((lock) => lock.name === name),
    `offthread:${queue}:runner`,
    { timeout: timeoutMs, polling: 25 },
  );
}

/** How many contexts hold, and wait for, the runner lock of `queue` (seen from `page`'s origin). */
export async function runnerLockState(page: Page, queue: string): Promise<{ held: number; pending: number }> {
  return page.evaluate(async (name) => {
    const snapshot = await navigator.locks.query();
    return {
      held: (snapshot.held ?? []).filter((lock) => lock.name === name).length,
      pending: (snapshot.pending ?? []).filter((lock) => lock.name === name).length,
    };
  }, `offthread:${queue}:runner`);
}

/** When a tab was told to die (it cannot have died before), and when Playwright saw it gone (epoch ms). */
export interface Death {
  requestedAt: number;
  seenAt: number;
}

/** Crashes `page`'s renderer (CDP `Page.crash`) and waits until Playwright has seen it crash. */
export async function crashTab(context: BrowserContext, page: Page): Promise<Death> {
  const cdp = await context.newCDPSession(page);
  const crashed = new Promise<number>((resolve) => page.once('crash', () => resolve(Date.now())));
  const requestedAt = Date.now();
  // The command never answers: the renderer dies under it.
  cdp.send('Page.crash').catch(() => {});
  return { requestedAt, seenAt: await crashed };
}

/** Closes `page` (no beforeunload) and resolves once it is closed. */
export async function closeTab(page: Page): Promise<Death> {
  const requestedAt = Date.now();
  await page.close({ runBeforeUnload: false });
  return { requestedAt, seenAt: Date.now() };
}

/** Every run in the origin's run log (written from inside the handlers), read through `page`. */
export function readRunLog(page: Page): Promise<RunEntry[]> {
  return page.evaluate(() => window.harness.runLog());
}

/** The runs of one job, in the order they started. */
export function runsOf(log: RunEntry[], jobId: string): RunEntry[] {
  return log.filter((run) => run.jobId === jobId).sort((a, b) => a.start - b.start);
}

/** The runs of every job, by job id, each list in the order the runs started. */
export function runsByJob(log: RunEntry[]): Map<string, RunEntry[]> {
  const byJob = new Map<string, RunEntry[]>();
  for (const run of log) {
    let runs = byJob.get(run.jobId);
    if (!runs) byJob.set(run.jobId, (runs = []));
    runs.push(run);
  }
  for (const runs of byJob.values()) runs.sort((a, b) => a.start - b.start);
  return byJob;
}

/**
 * Checks that no two runs of one job overlapped. A run with an `end` occupies [start, end]. A run
 * without one never finished: it is allowed only where `unfinished(run)` explains it (its tab died, or its
 * worker was terminated at a timeout), and it is taken to occupy [start, the time `unfinished` gives].
 * Returns a list of problems, empty when all is well.
 */
export function overlapProblems(
  log: RunEntry[],
  unfinished: (run: RunEntry) => number | undefined,
): string[] {
  const problems: string[] = [];
  for (const [jobId, runs] of runsByJob(log)) {
    let busyUntil = -Infinity;
    let previous: RunEntry | undefined;
    for (const run of runs) {
      if (run.start < busyUntil) {
        problems.push(`job ${jobId}: run of attempt ${run.attempt} in tab ${run.tab} started at ${run.start}, before the run of attempt ${previous?.attempt} in tab ${previous?.tab} had ended (${busyUntil})`);
      }
      let end = run.end;
      if (end === undefined) {
        end = unfinished(run);
        if (end === undefined) {
          problems.push(`job ${jobId}: run of attempt ${run.attempt} in tab ${run.tab} never ended, and nothing explains it`);
          end = Infinity;
        }
      }
      busyUntil = Math.max(busyUntil, end);
      previous = run;
    }
  }
  return problems;
}

/** The events a harness page saw. */
export function eventsOf(page: Page) {
  return page.evaluate(() => window.harness.events);
}

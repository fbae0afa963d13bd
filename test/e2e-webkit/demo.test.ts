// The demo app (index.html + demo/) in WebKit, as test/e2e/demo.spec.ts runs it in Chromium: add a batch of
// jobs, reload the page while they run, and see every job finish exactly once with real results. Its screenshot,
// once done, goes to test/e2e/screenshots/webkit-demo.png.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { pollUntil } from './support/harness';
import { WebKit, type Tab } from './support/webkit';

const DEMO_ORIGIN = process.env.OFFTHREAD_DEMO_ORIGIN!;
const SCREENSHOT = 'test/e2e/screenshots/webkit-demo.png';

let webkit: WebKit;
beforeEach(async () => {
  webkit = await WebKit.start();
});
afterEach(async () => {
  await webkit?.end();
});

const known = new Map<number, number>();
/** π(n): how many primes are below `n`, by a sieve, to check the page's answers against. */
function primesBelow(n: number): number {
  if (known.has(n)) return known.get(n)!;
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  known.set(n, count);
  return count;
}

const STATES = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled', 'total'] as const;

/** The counts the page's dashboard shows (NaN before its first read). */
function shownCounts(tab: Tab): Promise<Record<(typeof STATES)[number], number>> {
  return tab.evaluate((states: readonly string[]) => {
    const root = document.getElementById('dashboard')!.shadowRoot!;
    const counts: Record<string, number> = {};
    for (const state of states) {
      counts[state] = Number(root.querySelector(`.tile.s-${state === 'total' ? 'all' : state} .tile-count`)?.textContent?.replaceAll(',', ''));
    }
    return counts as Record<(typeof STATES)[number], number>;
  }, STATES);
}

interface StoredJob {
  id: string;
  name: string;
  state: string;
  attempt: number;
  n: number | undefined;
  result: number | { type: string; bytes: number } | undefined;
}

/** The jobs in the demo queue's database, read with IndexedDB directly (not through the library). */
function storedJobs(tab: Tab): Promise<StoredJob[]> {
  return tab.evaluate(async () => {
    const names = (await indexedDB.databases()).map((db) => db.name);
    if (!names.includes('offthread:demo')) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('offthread:demo');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      const rows = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
        const request = db.transaction('jobs').objectStore('jobs').getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      return rows.map((row) => ({
        id: row.id as string,
        name: row.name as string,
        state: row.state as string,
        attempt: row.attempt as number,
        n: typeof row.data === 'number' ? row.data : undefined,
        result: ArrayBuffer.isView(row.result) ? { type: row.result.constructor.name, bytes: row.result.byteLength } : (row.result as number | undefined),
      }));
    } finally {
      db.close();
    }
  });
}

/** The table's rows, top to bottom: id, task, state, what settled, its note, its result value, its canvases. */
function rows(tab: Tab) {
  return tab.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#jobs-body tr')].map((row) => ({
      id: row.dataset.id!,
      task: row.dataset.task,
      state: row.dataset.state,
      settled: row.dataset.settled,
      note: row.querySelector('.note')?.textContent ?? '',
      value: row.querySelector<HTMLElement>('.result')?.dataset.value,
      text: row.querySelector('.result')?.textContent ?? '',
      canvases: row.querySelectorAll('canvas').length,
    })),
  );
}

async function openDemo(tab?: Tab): Promise<Tab> {
  const page = tab ?? (await webkit.open(`${DEMO_ORIGIN}/`));
  await page.waitFor(() => document.body.dataset.ready === 'true', [], { timeout: 30_000, what: 'the demo to be ready' });
  return page;
}

test('the demo: a batch of jobs survives a reload mid-run, each finishes once with the right result', { timeout: 240_000 }, async () => {
  const page = await openDemo();
  // A fresh profile: nothing stored, nothing shown.
  expect(await storedJobs(page)).toEqual([]);
  await pollUntil(() => shownCounts(page), (c) => c.total === 0, { timeout: 30_000, what: 'the dashboard to read the empty queue' });
  expect(await shownCounts(page)).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0, total: 0 });
  expect(await rows(page)).toEqual([]);

  await page.click('#add-mixed');
  const added = (await pollUntil(() => rows(page), (r) => r.length === 10, { what: 'ten rows' })).map((r) => r.id);
  expect(new Set(added).size).toBe(10);
  await pollUntil(() => shownCounts(page), (c) => c.total === 10, { timeout: 30_000, what: 'the dashboard to count ten jobs' });

  // Reload while a prime count is part way through, with some jobs done and some still waiting.
  const interruptedId = await page.waitFor(
    () => {
      const done = Number(document.getElementById('dashboard')?.shadowRoot?.querySelector('.tile.s-completed .tile-count')?.textContent);
      const row = document.querySelector<HTMLElement>('#jobs-body tr[data-state="active"][data-task="countPrimes"]');
      const progress = row?.querySelector('progress')?.value ?? 0;
      return done >= 2 && done < 9 && progress > 0.05 && progress < 0.6 ? row!.dataset.id! : false;
    },
    [],
    { timeout: 60_000, interval: 30, what: 'a prime count part way through, with 2 to 8 jobs done' },
  );
  const finishedBeforeReload = (await rows(page)).filter((r) => r.settled === 'completed').map((r) => r.id);
  await page.reload();
  await openDemo(page);

  // Straight after the reload: every job is listed, and those finished before it show their stored results.
  const status = await pollUntil(() => page.evaluate(() => document.getElementById('status')!.textContent), (t) => /^Picked up/.test(t ?? ''), { what: 'the status line' });
  expect(status).toMatch(/^Picked up 10 stored jobs, [1-9] of them unfinished\.$/);
  const reloaded = await rows(page);
  expect(reloaded.map((r) => r.id).sort()).toEqual([...added].sort());
  for (const id of finishedBeforeReload) {
    const row = reloaded.find((r) => r.id === id)!;
    expect(row.settled).toBe('completed');
    if (row.task === 'blur') expect(row.canvases).toBe(2);
  }

  // The rest run again: the job cut short first, then the ones that were waiting.
  await pollUntil(() => shownCounts(page), (c) => c.completed === 10, { timeout: 90_000, what: 'all ten completed' });
  await pollUntil(() => shownCounts(page), (c) => c.active === 0 && c.waiting === 0, { timeout: 30_000, what: 'nothing left to run' });
  expect(await shownCounts(page)).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 10, failed: 0, cancelled: 0, total: 10 });
  const done = await pollUntil(() => rows(page), (r) => r.every((row) => row.state === 'completed'), { what: 'every row completed' });
  expect(done).toHaveLength(10);
  expect(done.find((r) => r.id === interruptedId)!.note).toBe('Run again: its page or worker went away mid-run');

  // What is stored: exactly the jobs added, each completed, each run once, except those cut short: the one
  // picked above, and any other that ran beside it (WebKit reports 4 cores here, so the demo runs 3 workers).
  const workers = Number((await page.evaluate(() => document.getElementById('worker-count')!.textContent))!.match(/^(\d+) Web Workers?$/)![1]);
  const stored = await storedJobs(page);
  expect(stored.map((job) => job.id).sort()).toEqual([...added].sort());
  const runAgain = done.filter((row) => row.note === 'Run again: its page or worker went away mid-run').map((row) => row.id);
  expect(runAgain).toContain(interruptedId);
  expect(runAgain.length).toBeLessThanOrEqual(workers);
  for (const job of stored) {
    expect(job.state, `job ${job.id}`).toBe('completed');
    expect(job.attempt, `job ${job.id}`).toBe(runAgain.includes(job.id) ? 2 : 1);
    if (job.name === 'countPrimes') expect(job.result, `π(${job.n})`).toBe(primesBelow(job.n!));
    else expect(job.result).toEqual({ type: 'Uint8ClampedArray', bytes: 256 * 256 * 4 });
  }
  expect(stored.filter((job) => job.name === 'countPrimes')).toHaveLength(6);
  // And the page shows the same results: the count in each prime row, the blurred image in each blur row.
  for (const job of stored) {
    const row = done.find((r) => r.id === job.id)!;
    if (job.name === 'countPrimes') {
      expect(row.value).toBe(String(primesBelow(job.n!)));
      expect(row.text).toContain(primesBelow(job.n!).toLocaleString('en-US'));
    } else expect(row.canvases).toBe(2);
  }

  // The table of jobs, each done, those cut short by the reload saying they ran again.
  await page.screenshotElement('//section[.//h2[@id="jobs-title"]]', SCREENSHOT);

  // Clearing the finished jobs empties the table, the counts and the database.
  await page.click('#clear');
  await pollUntil(() => page.evaluate(() => document.getElementById('status')!.textContent), (t) => t === 'Cleared 10 finished jobs.', { what: 'the clear to be reported' });
  await pollUntil(() => shownCounts(page), (c) => c.total === 0, { timeout: 30_000, what: 'the counts to empty' });
  expect(await rows(page)).toEqual([]);
  expect(await storedJobs(page)).toEqual([]);
});

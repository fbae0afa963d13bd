// Hostile storage, end to end: rows, meta values, schedules and whole databases as this code never writes them
// (another version's bug, a hand edit in devtools, a half-written disk), planted with the plain IndexedDB API from
// a page of the origin, then a harness tab that runs the queue. What must hold: the good jobs all complete; a bad
// record is `corrupt` with a reason naming the field, told once through the `error` event with its id, listed
// (and counted, and shown by the dashboard) until removed; a damaged database is repaired or refused with a
// `StorageError`; a newer one is refused with `ERR_STORAGE_NEWER_VERSION` and left as it is. No CDP: the same
// spec runs in every engine.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { Settled } from './harness/main';
import { eventsOf } from './support/faults';
import { HARNESS_ORIGIN, openTab, uniqueQueue } from './support/harness';

const GOOD = 10;
const STATES = 'waiting, delayed, active, completed, failed, cancelled';

async function openBlank(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${HARNESS_ORIGIN}/test/e2e/harness/blank.html`);
  return page;
}

/**
 * Writes `value` into a store of the queue's database through a connection of its own (at whatever version
 * the database is). With `from`, the value is the stored row of job `from` with `change` laid over it (and
 * `omit` left out), put under `change.id`.
 */
async function plant(
  page: Page,
  queue: string,
  store: 'jobs' | 'meta' | 'schedules',
  value: { from?: string; change?: Record<string, unknown>; omit?: string[]; row?: unknown; key?: string | number },
): Promise<unknown> {
  return page.evaluate(
    async ({ name, store, value }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        const read = (key: IDBValidKey) =>
          new Promise<Record<string, unknown>>((resolve, reject) => {
            const request = db.transaction(store).objectStore(store).get(key);
            request.onsuccess = () => resolve(request.result as Record<string, unknown>);
            request.onerror = () => reject(request.error);
          });
        let row = value.row;
        if (value.from !== undefined) {
          const base: Record<string, unknown> = { ...(await read(value.from)), ...value.change };
          for (const field of value.omit ?? []) delete base[field];
          row = base;
        }
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction(store, 'readwrite');
          if (value.key === undefined) tx.objectStore(store).put(row);
          else tx.objectStore(store).put(row, value.key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
        return row;
      } finally {
        db.close();
      }
    },
    { name: `offthread:${queue}`, store, value },
  );
}

/** What a store of the queue's database holds (or `undefined` for a key it does not hold), read without opening a queue. */
async function readStored(page: Page, queue: string, store: string, key?: string | number): Promise<unknown> {
  return page.evaluate(
    async ({ name, store, key }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        return await new Promise<unknown>((resolve, reject) => {
          const source = db.transaction(store).objectStore(store);
          const request = key === undefined ? source.getAll() : source.get(key);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      } finally {
        db.close();
      }
    },
    { name: `offthread:${queue}`, store, key },
  );
}

/**
 * A queue with GOOD echo jobs waiting (`good-0`...) and a template job (`template`), stored by a tab that has
 * no worker (so nothing runs yet). Returns that tab, to plant more through.
 */
async function storedQueue(context: BrowserContext, prefix: string): Promise<{ queue: string; planter: Page }> {
  const queue = uniqueQueue(prefix);
  const planter = await openTab(context, { queue, tab: 'planter', worker: false });
  await planter.evaluate(async (count) => {
    const { queue } = window.harness;
    // Due in an hour: it stays delayed, out of the way.
    await queue.add('echo', 'template', { jobId: 'template', delay: 3_600_000 });
    await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'echo' as const, data: `good-${i}`, opts: { jobId: `good-${i}` } })));
  }, GOOD);
  return { queue, planter };
}

/**
 * A row at the head of the line (waiting, priority 100, its keys in step), from the template's row with `change`
 * laid over it (and `omit` left out), under `id`.
 */
function headOfLine(planter: Page, queue: string, id: string, change: Record<string, unknown> = {}, omit: string[] = []) {
  return plant(planter, queue, 'jobs', {
    from: 'template',
    change: { id, state: 'waiting', priority: 100, runAt: 0, seq: 0, readyKey: [0, -100, 0, 0], stateKey: ['waiting', 0], ...change },
    omit: ['dueKey', ...omit],
  });
}

/** Opens the runner tab and waits until the good jobs have all completed. */
async function runnerRunsTheGoodJobs(context: BrowserContext, queue: string): Promise<Page> {
  const runner = await openTab(context, { queue, tab: 'runner', keepFinished: true });
  const outcomes = await runner.evaluate(
    (ids) => Promise.all(ids.map((id) => window.harness.outcome(id))),
    Array.from({ length: GOOD }, (_, i) => `good-${i}`),
  );
  expect(outcomes).toEqual(Array.from({ length: GOOD }, (_, i) => ({ ok: true, value: `good-${i}` })));
  return runner;
}

/** The `error` events a tab saw, as `name: message`. */
async function errorsOf(page: Page): Promise<string[]> {
  return (await eventsOf(page)).filter((e) => e.event === 'error').map((e) => e.error!);
}

/**
 * Everything a user must see of a record put aside as corrupt: its state and reason, one report, counts, removal.
 * The report comes from the tab that found the damage: the runner, or one of `others` that read the record first.
 */
async function expectPutAside(runner: Page, id: string, reason: string, counts: Record<string, number>, others: Page[] = []) {
  const reported = async () => (await Promise.all([runner, ...others].map(errorsOf))).flat();
  await expect.poll(reported, { timeout: 10_000 }).toEqual([`StorageError: Job ${id} was put aside as corrupt: its stored record is malformed (${reason}); it is kept, with what was stored, until removed`]);
  const listed = await runner.evaluate(() => window.harness.queue.list({ state: 'corrupt' }));
  expect(listed.map((job) => [job.id, job.state, job.quarantine?.reason])).toEqual([[id, 'corrupt', reason]]);
  expect(listed[0]!.error).toMatchObject({ name: 'StorageError', code: 'ERR_STORAGE_CORRUPT' });
  expect(await runner.evaluate(() => window.harness.queue.counts())).toEqual({ ...counts, corrupt: 1 });
  expect(await runner.evaluate((id) => window.harness.queue.remove(id), id)).toBe(true);
  expect(await runner.evaluate(() => window.harness.queue.counts())).toEqual(counts);
  expect(await reported()).toHaveLength(1);
}

/** The counts once the good jobs have run (the template waits for its hour). */
const AFTER_GOOD = { waiting: 0, delayed: 1, active: 0, completed: GOOD, failed: 0, cancelled: 0 };

test('a row of an unknown state at the head of the line: the 10 jobs behind it run; it is corrupt, told once, listed by the dashboard, removable', async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'bogus-state');
  // A page waits for the job's result (its handle from the add: nothing read back), then the row goes bad.
  await planter.evaluate(async () => {
    const job = await window.harness.queue.add('echo', 'soon bogus', { jobId: 'bogus' });
    (window as unknown as { bogus: Promise<Settled> }).bogus = window.harness.settle(() => job.result);
  });
  const planted = await headOfLine(planter, queue, 'bogus', { state: 'bogus' });
  const runner = await runnerRunsTheGoodJobs(context, queue);
  const reason = `state is 'bogus', expected one of ${STATES}`;

  const waited = await planter.evaluate(() => (window as unknown as { bogus: Promise<Settled> }).bogus);
  expect(waited).toMatchObject({ ok: false, error: { name: 'StorageError', code: 'ERR_STORAGE_CORRUPT', classes: expect.arrayContaining(['StorageError', 'OffthreadError']) } });
  expect(await runner.evaluate(async () => (await window.harness.queue.getJob('bogus'))?.state())).toBe('corrupt');
  const [info] = await runner.evaluate(() => window.harness.queue.list({ state: 'corrupt' }));
  expect(info!.quarantine!.stored).toEqual(planted);

  // The dashboard lists it, with what was wrong, under a Corrupt count.
  const dashboard = await context.newPage();
  await dashboard.goto(`${HARNESS_ORIGIN}/test/e2e/harness/dashboard.html?${new URLSearchParams({ queue, worker: '0' })}`);
  const counts = dashboard.locator('#dashboard').getByRole('group', { name: /Jobs by state/ });
  const tile = counts.getByRole('button', { name: /^Corrupt\b/ });
  await expect(tile.locator('.tile-count')).toHaveText('1');
  await tile.click();
  const row = dashboard.locator('#dashboard tbody tr[data-job-id="bogus"]');
  await expect(row).toContainText('corrupt');
  await expect(row).toContainText(reason);
  expect(await dashboard.locator('#dashboard tbody tr[data-job-id]').count()).toBe(1);

  await expectPutAside(runner, 'bogus', reason, AFTER_GOOD);
  // Removed: the tile, while picked, reads 0 over an empty page; once another is picked, it goes.
  await expect(tile.locator('.tile-count')).toHaveText('0', { timeout: 10_000 });
  await expect(dashboard.locator('#dashboard tbody tr[data-job-id]')).toHaveCount(0);
  await counts.getByRole('button', { name: /^All\b/ }).click();
  await expect(tile).toBeHidden();
  expect(await errorsOf(planter)).toEqual([]);
});

for (const [what, change, reason] of [
  ['priority a string', { priority: '5' }, "priority is '5' (a string), expected a finite number"],
  ['runAt NaN', { runAt: Number.NaN }, 'runAt is NaN, expected a finite number'],
  ['attempts negative', { attempts: -1 }, 'attempts is -1, expected an integer from 1 and up'],
  ['history not an array', { history: 'oops' }, "history is 'oops' (a string), expected an array"],
  ['an active row with no owner', { state: 'active', token: 'run-1' }, "state is 'active' but owner is missing"],
] as const) {
  test(`a row with ${what} at the head of the line: the 10 jobs behind it run; it is corrupt, with why`, async ({ context }) => {
    const { queue, planter } = await storedQueue(context, 'bad-field');
    await headOfLine(planter, queue, 'bad', change);
    const runner = await runnerRunsTheGoodJobs(context, queue);
    await expectPutAside(runner, 'bad', reason, AFTER_GOOD);
  });
}

test('a truncated row (an id and a line key, nothing else): the jobs behind it run; it is corrupt, what was stored kept', async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'truncated');
  const planted = { id: 'cut', readyKey: [0, -100, 0, 0], stateKey: ['waiting', 0] };
  await plant(planter, queue, 'jobs', { row: planted });
  const runner = await runnerRunsTheGoodJobs(context, queue);
  const [info] = await runner.evaluate(() => window.harness.queue.list({ state: 'corrupt' }));
  expect(info!.quarantine!.stored).toEqual(planted);
  await expectPutAside(runner, 'cut', `state is missing, expected one of ${STATES}`, AFTER_GOOD);
});

test('a row whose key is not a string: it moves to a string id, corrupt; the jobs behind it run', async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'number-key');
  await headOfLine(planter, queue, 'unused', { id: 42 });
  const runner = await runnerRunsTheGoodJobs(context, queue);
  expect(await readStored(runner, queue, 'jobs', 42)).toBeUndefined();
  await expectPutAside(runner, 'corrupt:42', 'id is 42, expected a string', AFTER_GOOD);
});

test('a row without data runs: undefined data is legitimate, not corrupt', async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'no-data');
  await headOfLine(planter, queue, 'no-data', {}, ['data']);
  const runner = await runnerRunsTheGoodJobs(context, queue);
  expect(await runner.evaluate(() => window.harness.outcome('no-data'))).toEqual({ ok: true, value: undefined });
  expect(await errorsOf(runner)).toEqual([]);
});

test('a row in the line that says completed: it leaves the line with its result; the jobs behind it run; nothing is corrupt', async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'says-completed');
  await headOfLine(planter, queue, 'done', { state: 'completed', result: 'kept', attempt: 1, finishedAt: Date.now() });
  const runner = await runnerRunsTheGoodJobs(context, queue);
  expect(await runner.evaluate(() => window.harness.outcome('done'))).toEqual({ ok: true, value: 'kept' });
  expect(await runner.evaluate(() => window.harness.queue.counts())).toEqual({ ...AFTER_GOOD, completed: GOOD + 1 });
  expect(await errorsOf(runner)).toEqual([]);
});

test("a waiting job's history damaged before it ran: its result settles (a StorageError) in the tab that waits for it", async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'history');
  // Waited for (through a handle read while the row was sound), then damaged.
  await planter.evaluate(async () => {
    const job = (await window.harness.queue.getJob('good-3'))!;
    (window as unknown as { waited: Promise<Settled> }).waited = window.harness.settle(() => job.result);
  });
  await plant(planter, queue, 'jobs', { from: 'good-3', change: { history: 'oops' } });
  const runner = await openTab(context, { queue, tab: 'runner', keepFinished: true });
  const waited = await planter.evaluate(() => (window as unknown as { waited: Promise<Settled> }).waited);
  const reason = "history is 'oops' (a string), expected an array";
  expect(waited).toMatchObject({
    ok: false,
    error: { name: 'StorageError', code: 'ERR_STORAGE_CORRUPT', message: expect.stringContaining(`Job good-3 was put aside as corrupt: its stored record is malformed (${reason})`) },
  });
  const others = await runner.evaluate(() => Promise.all([0, 1, 2, 4, 5, 6, 7, 8, 9].map((i) => window.harness.outcome(`good-${i}`))));
  expect(others.every((outcome) => outcome.ok)).toBe(true);
  // The tab that waits reads the job again when a runner starts (an end may have gone untold): it may be the one
  // that finds the damage, and tells it, before the runner claims the job.
  await expectPutAside(runner, 'good-3', reason, { ...AFTER_GOOD, completed: GOOD - 1 }, [planter]);
});

test('a seq meta value that is not a number: it is found again from the rows, and later adds run in order', async ({ context }) => {
  const { queue, planter } = await storedQueue(context, 'seq');
  await plant(planter, queue, 'meta', { row: 'not a number', key: 'seq' });
  const runner = await runnerRunsTheGoodJobs(context, queue);
  const later = await runner.evaluate(() => window.harness.settle(async () => (await window.harness.queue.add('echo', 'later')).result));
  expect(later).toMatchObject({ ok: true, value: 'later' });
  expect(await readStored(runner, queue, 'meta', 'seq')).toBe(GOOD + 2);
  expect(await errorsOf(runner)).toEqual([]);
});

test('a malformed schedule is put aside and told once; the sound one still adds its jobs; the dashboard shows its schedules', async ({ context }) => {
  const queue = uniqueQueue('schedule');
  const planter = await openTab(context, { queue, tab: 'planter', worker: false });
  await planter.evaluate(() => window.harness.queue.schedule('sound', { every: 1_000 }, { name: 'echo', data: 'tick' }));
  const planted = { id: 'broken', spec: { every: 'hourly' }, job: { name: 'echo', data: 1 }, nextRunAt: 0, createdAt: 0 };
  await plant(planter, queue, 'schedules', { row: planted });

  const runner = await openTab(context, { queue, tab: 'runner', keepFinished: true });
  await expect
    .poll(async () => (await runner.evaluate(() => window.harness.queue.list({ state: 'completed' }))).filter((job) => job.id.startsWith('sound@')).length, { timeout: 15_000 })
    .toBeGreaterThan(0);
  const reason = "spec.every is 'hourly' (a string), expected milliseconds from 1000 and up";
  expect(await errorsOf(runner)).toEqual([`StorageError: Schedule broken was put aside as corrupt: its stored record is malformed (${reason}); it adds no jobs, and is kept until unscheduled`]);
  expect((await runner.evaluate(() => window.harness.queue.schedules())).map((s) => s.id)).toEqual(['sound']);
  expect(await readStored(runner, queue, 'schedules', 'broken')).toMatchObject({ id: 'broken', quarantine: { reason, stored: planted } });

  const dashboard = await context.newPage();
  await dashboard.goto(`${HARNESS_ORIGIN}/test/e2e/harness/dashboard.html?${new URLSearchParams({ queue, worker: '0' })}`);
  await expect(dashboard.locator('#dashboard')).toContainText('sound');
  expect(await runner.evaluate(() => window.harness.queue.unschedule('broken'))).toBe(true);
  expect(await readStored(runner, queue, 'schedules', 'broken')).toBeUndefined();
  expect(await errorsOf(runner)).toHaveLength(1);
});

test('an empty database of the right name (no object stores): the queue gives it its stores, and jobs run', async ({ context }) => {
  const queue = uniqueQueue('empty-db');
  const blank = await openBlank(context);
  await blank.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => (request.result.close(), resolve());
        request.onerror = () => reject(request.error);
      }),
    `offthread:${queue}`,
  );
  const runner = await openTab(context, { queue, tab: 'runner' });
  expect(await runner.evaluate(() => window.harness.settle(async () => (await window.harness.queue.add('echo', 'works')).result))).toMatchObject({ ok: true, value: 'works' });
  expect(await errorsOf(runner)).toEqual([]);
});

test('a version 1 database missing its ready index: the upgrade makes it again from the rows, and the stored job runs', async ({ context }) => {
  const queue = uniqueQueue('no-index');
  const blank = await openBlank(context);
  await blank.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open(name, 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          const jobs = db.createObjectStore('jobs', { keyPath: 'id' });
          for (const [index, path] of [['due', 'dueKey'], ['state', 'stateKey'], ['finished', 'finishedKey'], ['seq', 'seq']] as const) jobs.createIndex(index, path);
          db.createObjectStore('meta').put(1, 'seq');
          db.createObjectStore('schedules', { keyPath: 'id' });
          jobs.put({
            id: 'kept', name: 'echo', data: 'from version 1', state: 'waiting', priority: 0, seq: 1, attempt: 0, attempts: 1, stalls: 0,
            requiresNetwork: false, runAt: 0, createdAt: 0, history: [], stateKey: ['waiting', 1], readyKey: [0, 0, 0, 1],
          });
        };
        request.onsuccess = () => (request.result.close(), resolve());
        request.onerror = () => reject(request.error);
      }),
    `offthread:${queue}`,
  );
  const runner = await openTab(context, { queue, tab: 'runner' });
  expect(await runner.evaluate(() => window.harness.outcome('kept'))).toEqual({ ok: true, value: 'from version 1' });
  expect(await errorsOf(runner)).toEqual([]);
});

test('a database made by a newer version: the first call rejects with ERR_STORAGE_NEWER_VERSION, saying both versions; nothing is written to it', async ({ context }) => {
  const queue = uniqueQueue('newer');
  const blank = await openBlank(context);
  const before = await blank.evaluate(
    (name) =>
      new Promise<{ version: number; stores: string[] }>((resolve, reject) => {
        const request = indexedDB.open(name, 7);
        request.onupgradeneeded = () => request.result.createObjectStore('jobsOfTheFuture', { keyPath: 'id' }).put({ id: 'f', v: 7 });
        request.onsuccess = () => {
          resolve({ version: request.result.version, stores: [...request.result.objectStoreNames] });
          request.result.close();
        };
        request.onerror = () => reject(request.error);
      }),
    `offthread:${queue}`,
  );
  const page = await openTab(context, { queue, tab: 'old' });
  const message = `IndexedDB database "offthread:${queue}" is at version 7, made by a newer version of offthread; this code knows version 2, so it leaves the database as it is and writes nothing to it`;
  const added = await page.evaluate(() => window.harness.settle(() => window.harness.queue.add('echo', 'refused')));
  expect(added).toMatchObject({ ok: false, error: { name: 'StorageError', code: 'ERR_STORAGE_NEWER_VERSION', message } });
  const counted = await page.evaluate(() => window.harness.settle(() => window.harness.queue.counts()));
  expect(counted).toMatchObject({ ok: false, error: { code: 'ERR_STORAGE_NEWER_VERSION' } });
  expect(await errorsOf(page)).toContain(`StorageError: ${message}`);
  const after = await blank.evaluate(
    (name) =>
      new Promise<{ version: number; stores: string[] }>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => {
          resolve({ version: request.result.version, stores: [...request.result.objectStoreNames] });
          request.result.close();
        };
        request.onerror = () => reject(request.error);
      }),
    `offthread:${queue}`,
  );
  expect(after).toEqual(before);
  expect(await readStored(blank, queue, 'jobsOfTheFuture')).toEqual([{ id: 'f', v: 7 }]);
});

test('a newer version upgrades the database while a tab has it open: that tab fails every later call with ERR_STORAGE_NEWER_VERSION and writes nothing more', async ({ context }) => {
  const queue = uniqueQueue('upgraded-under');
  const old = await openTab(context, { queue, tab: 'old' });
  expect(await old.evaluate(async () => window.harness.outcome((await window.harness.queue.add('echo', 'before')).id))).toMatchObject({ ok: true, value: 'before' });
  const blank = await openBlank(context);
  await blank.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open(name, 3);
        request.onupgradeneeded = () => request.result.createObjectStore('addedInVersion3');
        request.onsuccess = () => (request.result.close(), resolve());
        request.onerror = () => reject(request.error);
      }),
    `offthread:${queue}`,
  );
  await expect.poll(() => errorsOf(old), { timeout: 5_000 }).toEqual([expect.stringMatching(/^StorageError: A newer version of queue ".*" is opening in another tab \(upgrading its database to version 3\)/)]);
  const jobsBefore = await readStored(blank, queue, 'jobs');
  for (const call of ['add', 'counts', 'list'] as const) {
    const settled = await old.evaluate(
      (call) =>
        window.harness.settle(() => (call === 'add' ? window.harness.queue.add('echo', 'after') : call === 'counts' ? window.harness.queue.counts() : window.harness.queue.list())),
      call,
    );
    expect(settled, call).toMatchObject({
      ok: false,
      error: { name: 'StorageError', code: 'ERR_STORAGE_NEWER_VERSION', message: expect.stringMatching(/is at version 3, made by a newer version of offthread; this code knows version 2/) },
    });
  }
  expect(await readStored(blank, queue, 'jobs')).toEqual(jobsBefore);
});

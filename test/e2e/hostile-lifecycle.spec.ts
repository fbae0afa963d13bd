// The lifecycle races a hostile user causes, against the built package in real pages: close() at any moment
// of run() and add(), the queue's database deleted or upgraded from another tab while jobs run, the tab that runs
// the queue closed or crashed while other tabs wait for results, storage cleared. Every call must settle, with a
// value, or with QueueClosedError or the StorageError that says what happened.
//
// The package is packed as `npm publish` would (test/support/pack.ts) and unpacked into an app of this run's own,
// built with `vite build` and served by `vite preview` on a free port: the code under test is the published build,
// minified into an app. Engine-neutral but for two tests that need CDP (Chromium only, as each says).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { Queue } from '../../src/index';
import { freePort } from '../support/free-port';
import type { HarnessTasks } from './harness/tasks';
import { packPackage, repoRoot } from '../support/pack';

const run = promisify(execFile);

// Kept after a failure, to look into; removed after a pass.
const WORK_DIR = join(repoRoot, '.tmp/e2e-hostile', `${process.pid}-${Date.now().toString(36)}`);
const APP_DIR = join(WORK_DIR, 'app');
const VITE = join(repoRoot, 'node_modules/vite/bin/vite.js');
/** How long one call may take before it counts as hung: far more than any needs on a loaded machine. */
const HUNG_MS = 15_000;

const TASKS = `import { defineTasks } from 'offthread/worker';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

export const tasks = defineTasks({
  echo: (value: unknown) => value,
  async sleep(ms: number, ctx) {
    await sleep(ms, ctx.signal);
    return ms;
  },
});
export type Tasks = typeof tasks;
`;

const WORKER = `import { serveTasks } from 'offthread/worker';
import { tasks } from './tasks';

serveTasks(tasks);
`;

// The page: \`window.lifecycle\` makes queues and reports what calls settled with, as plain data.
const MAIN = `import * as lib from 'offthread';
import type { Queue } from 'offthread';
import type { Tasks } from './tasks';

type Outcome = { ok: true; value: unknown } | { ok: false; name: string; message: string; classes: string[] };
const CLASSES = ['QueueClosedError', 'StorageError', 'JobFailedError', 'JobCancelledError', 'OffthreadError'] as const;

function plain(value: unknown): unknown {
  if (value instanceof lib.JobHandle) return value.id;
  return Array.isArray(value) ? value.map(plain) : value;
}

function outcomeOf(work: () => unknown): Promise<Outcome> {
  return Promise.resolve()
    .then(work)
    .then(
      (value) => ({ ok: true as const, value: plain(value) }),
      (error: Error) => ({ ok: false as const, name: error?.name, message: error?.message, classes: CLASSES.filter((c) => error instanceof lib[c]) }),
    );
}

const waits = new Map<string, Outcome | 'pending'>();
const errors: string[] = [];

const hostile = {
  queue: undefined as unknown as Queue<Tasks>,
  errors,
  open(name: string, { worker = true, concurrency = 2 }: { worker?: boolean; concurrency?: number } = {}): Queue<Tasks> {
    const queue = lib.createQueue<Tasks>({
      name,
      concurrency,
      ...(worker && { worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }) }),
    });
    queue.on('error', ({ error }) => errors.push(error.name + ': ' + error.message));
    hostile.queue = queue;
    return queue;
  },
  /** Makes the calls at once; each settles within \`ms\`, or is reported as 'hung'. */
  async settle(calls: Record<string, () => unknown>, ms: number): Promise<Record<string, Outcome | 'hung'>> {
    const labels = Object.keys(calls);
    const outcomes = await Promise.all(
      labels.map((label) => Promise.race([outcomeOf(calls[label]!), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms))])),
    );
    return Object.fromEntries(labels.map((label, i) => [label, outcomes[i]!]));
  },
  /** Awaits \`work\` in the background, under \`label\` (see \`waits\`). */
  wait(label: string, work: () => unknown): void {
    waits.set(label, 'pending');
    void outcomeOf(work).then((outcome) => waits.set(label, outcome));
  },
  waits: () => Object.fromEntries(waits),
};
(window as unknown as { lifecycle: typeof hostile }).lifecycle = hostile;
document.body.dataset.ready = 'true';
`;

type Outcome = { ok: true; value: unknown } | { ok: false; name: string; message: string; classes: string[] };
/** The page's `window.lifecycle` (its tasks, echo and sleep, are those of the harness by the same names). */
type Hostile = {
  queue: Queue<HarnessTasks>;
  errors: string[];
  open(name: string, options?: { worker?: boolean; concurrency?: number }): Hostile['queue'];
  settle(calls: Record<string, () => unknown>, ms: number): Promise<Record<string, Outcome | 'hung'>>;
  wait(label: string, work: () => unknown): void;
  waits(): Record<string, Outcome | 'pending'>;
};
declare global {
  interface Window {
    lifecycle: Hostile;
  }
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function sh(command: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`${[command, ...args].join(' ')}\` failed in ${relative(repoRoot, cwd)}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

let server: ChildProcess | undefined;
let origin = '';
let failed = false;

test.beforeAll(async () => {
  // Building and packing the package, then the app: a minute or two on a loaded machine.
  test.setTimeout(600_000);
  failed = true; // until the setup is done
  const packed = await packPackage(join(WORK_DIR, 'pack'));
  // Unpacked where the app finds it; its own dependencies (idb, comlink...) resolve from the repository's node_modules.
  const unpacked = join(APP_DIR, 'node_modules/offthread');
  mkdirSync(unpacked, { recursive: true });
  await sh('tar', ['-xzf', packed.tarball, '-C', unpacked, '--strip-components=1'], APP_DIR);
  write(join(APP_DIR, 'package.json'), `${JSON.stringify({ name: 'offthread-hostile', private: true, type: 'module' }, null, 2)}\n`);
  write(join(APP_DIR, 'index.html'), '<!doctype html>\n<html lang="en">\n  <body>\n    <script type="module" src="/src/main.ts"></script>\n  </body>\n</html>\n');
  write(join(APP_DIR, 'src/tasks.ts'), TASKS);
  write(join(APP_DIR, 'src/tasks.worker.ts'), WORKER);
  write(join(APP_DIR, 'src/main.ts'), MAIN);
  await sh(process.execPath, [VITE, 'build', '--logLevel', 'error'], APP_DIR);

  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  let output = '';
  server = spawn(process.execPath, [VITE, 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: APP_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`vite preview exited before serving ${origin}:\n${output}`);
    if (await fetch(origin).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`vite preview did not serve ${origin} within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  failed = false;
});

test.afterEach(({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) failed = true;
});

test.afterAll(async () => {
  const child = server;
  server = undefined;
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
  if (failed) console.log(`hostile-lifecycle e2e: kept ${relative(repoRoot, WORK_DIR)} to look into`);
  else rmSync(WORK_DIR, { recursive: true, force: true });
});

/** A page of the app, with a queue `name` open in it. */
async function openTab(context: BrowserContext, name: string, options: { worker?: boolean; concurrency?: number } = {}): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.evaluate(([queue, opts]) => void window.lifecycle.open(queue, opts), [name, options] as const);
  return page;
}

function uniqueQueue(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** `outcome` in plain words: `resolved <value>`, `hung`, or `<name>: <message>`. */
function shown(outcome: Outcome | 'hung' | 'pending' | undefined): string {
  if (outcome === undefined || outcome === 'hung' || outcome === 'pending') return String(outcome);
  return outcome.ok ? `resolved ${JSON.stringify(outcome.value)}` : `${outcome.name}: ${outcome.message}`;
}

/** The labels whose outcome is not one of `allowed` (matched against `shown`). */
function misfits(outcomes: Record<string, Outcome | 'hung' | 'pending'>, allowed: (label: string) => RegExp): string[] {
  return Object.entries(outcomes)
    .filter(([label, outcome]) => !allowed(label).test(shown(outcome)))
    .map(([label, outcome]) => `${label}: ${shown(outcome)}`);
}

/** Waits until none of `page`'s background waits is pending, or the bound passes; returns them. */
async function settledWaits(page: Page): Promise<Record<string, Outcome | 'pending'>> {
  await expect
    .poll(async () => Object.entries(await page.evaluate(() => window.lifecycle.waits())).filter(([, o]) => o === 'pending').map(([label]) => label), {
      timeout: HUNG_MS,
      message: 'waits still pending',
    })
    .toEqual([]);
  return page.evaluate(() => window.lifecycle.waits());
}

const CLOSED = /^(resolved .*|QueueClosedError: Queue "[^"]+" (is closed|was closed before job \S+ finished))$/;

test('close() at any moment of run(), add() and addBulk(), on a new queue and on a warm one: every call settles', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const report = await page.evaluate(async (hungMs) => {
    const rounds: Array<{ when: string; outcomes: Record<string, unknown> }> = [];
    // Closed in the same tick, a microtask later, after a few ms, and once a job runs; on a new and a warm queue.
    const moments: Array<[string, (queue: Window['lifecycle']['queue']) => Promise<unknown>]> = [
      ['same tick', async () => undefined],
      ['a microtask later', () => Promise.resolve()],
      ['1 ms later', () => new Promise((resolve) => setTimeout(resolve, 1))],
      ['10 ms later', () => new Promise((resolve) => setTimeout(resolve, 10))],
      ['50 ms later', () => new Promise((resolve) => setTimeout(resolve, 50))],
      ['once a job runs', (queue) => new Promise((resolve) => (queue.on('active', resolve), setTimeout(resolve, 5_000)))],
    ];
    for (const warm of [false, true]) {
      for (const [when, moment] of moments) {
        const queue = window.lifecycle.open(`hostile-close-${Math.random().toString(36).slice(2)}`);
        if (warm) await queue.run('echo', 'warm');
        const calls: Record<string, () => unknown> = {
          run: () => queue.run('echo', 1),
          'run (slow)': () => queue.run('sleep', 200),
          add: () => queue.add('echo', 2),
          addBulk: () => queue.addBulk([{ name: 'echo', data: 3 }, { name: 'sleep', data: 100 }]),
          getJob: () => queue.getJob('no-such-job'),
          counts: () => queue.counts(),
        };
        const settling = window.lifecycle.settle(calls, hungMs);
        const closing = (async () => {
          if (when === 'same tick') return queue.close();
          await moment(queue);
          return queue.close();
        })();
        const outcomes = await settling;
        const closed = await window.lifecycle.settle({ close: () => closing, 'close again': () => queue.close() }, hungMs);
        rounds.push({ when: `${warm ? 'warm' : 'new'} queue, closed ${when}`, outcomes: { ...outcomes, ...closed } });
      }
    }
    return rounds;
  }, HUNG_MS);
  const wrong = report.flatMap(({ when, outcomes }) =>
    misfits(outcomes as Record<string, Outcome | 'hung'>, (label) => (label.startsWith('close') ? /^resolved undefined$/ : CLOSED)).map((line) => `${when}: ${line}`),
  );
  expect(wrong).toEqual([]);
});

test('close() in the tab that runs the queue, mid-run: its own wait settles, and another tab takes over and settles its own', async ({ context }) => {
  const name = uniqueQueue('hostile-close-runner');
  const a = await openTab(context, name);
  const b = await openTab(context, name);
  const ids = await a.evaluate(async () => {
    const jobs = await window.lifecycle.queue.addBulk([{ name: 'sleep', data: 800 }, ...Array.from({ length: 10 }, (_, i) => ({ name: 'echo' as const, data: i }))]);
    await new Promise((resolve) => window.lifecycle.queue.on('active', resolve));
    return jobs.map((job) => job.id);
  });
  await b.evaluate((jobIds) => jobIds.forEach((id) => window.lifecycle.wait(id, async () => (await window.lifecycle.queue.getJob(id))!.result)), ids);
  await a.evaluate((jobIds) => jobIds.forEach((id) => window.lifecycle.wait(id, async () => (await window.lifecycle.queue.getJob(id))!.result)), ids);
  // A hostile close: forced, so that what runs is handed back unrun, and called three times.
  const closed = await a.evaluate((hungMs) => {
    const queue = window.lifecycle.queue;
    return window.lifecycle.settle({ force: () => queue.close({ force: true }), again: () => queue.close(), more: () => queue.close({ force: true }) }, hungMs);
  }, HUNG_MS);
  expect(misfits(closed, () => /^resolved undefined$/)).toEqual([]);
  // A's waits ended with the close, or with the job's value if it ended first; B's got every value.
  expect(misfits(await settledWaits(a), () => CLOSED)).toEqual([]);
  const values = await settledWaits(b);
  expect(ids.map((id) => shown(values[id]))).toEqual(['resolved 800', ...Array.from({ length: 10 }, (_, i) => `resolved ${i}`)]);
});

/** Tab A runs the queue with a long job running and others waiting; B (no worker) and A wait for all of them. */
async function busyQueue(context: BrowserContext, name: string): Promise<{ a: Page; b: Page; ids: string[] }> {
  const a = await openTab(context, name, { concurrency: 1 });
  const b = await openTab(context, name, { worker: false });
  const ids = await a.evaluate(async () => {
    const running = new Promise((resolve) => window.lifecycle.queue.on('active', resolve));
    const jobs = await window.lifecycle.queue.addBulk([{ name: 'sleep', data: 60_000 }, { name: 'echo', data: 'queued' }, { name: 'echo', data: 'later', opts: { delay: 60_000 } }]);
    await running;
    return jobs.map((job) => job.id);
  });
  // Each tab holds the handles before the storage is harmed: a `getJob` still reading when it is cleared would find
  // nothing, and the wait would fail on the missing handle instead of telling what became of the job.
  for (const page of [a, b]) {
    await page.evaluate(async (jobIds) => {
      const jobs = await Promise.all(jobIds.map((id) => window.lifecycle.queue.getJob(id)));
      jobIds.forEach((id, i) => window.lifecycle.wait(id, () => jobs[i]!.result));
    }, ids);
  }
  return { a, b, ids };
}

test('the database deleted from another tab mid-run: every wait rejects saying the job was lost; the queue goes on in a new database', async ({ context }) => {
  const name = uniqueQueue('hostile-deleted');
  const { a, b } = await busyQueue(context, name);
  const c = await context.newPage();
  await c.goto(`${origin}/`);
  await c.evaluate(
    (db) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(db);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      }),
    `offthread:${name}`,
  );
  const lost = new RegExp(`^StorageError: Job \\S+ was lost: the database of queue "${name}" was deleted$`);
  for (const page of [a, b]) {
    expect(misfits(await settledWaits(page), () => lost)).toEqual([]);
    expect(await page.evaluate(() => window.lifecycle.errors)).toContainEqual(expect.stringMatching(/^StorageError: The database of queue ".*" was deleted \(by another tab\?\); reopening it$/));
  }
  // Both tabs go on: a job added in the tab without workers runs in the other.
  const after = await b.evaluate((hungMs) => window.lifecycle.settle({ run: () => window.lifecycle.queue.run('echo', 'after') }, hungMs), HUNG_MS);
  expect(misfits(after, () => /^resolved "after"$/)).toEqual([]);
  // The new database holds that job alone.
  expect(await b.evaluate(() => window.lifecycle.queue.counts())).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 1, failed: 0, cancelled: 0 });
});

test('the database upgraded by a newer version from another tab mid-run: every wait and later call rejects with the StorageError saying so; close() resolves', async ({ context }) => {
  const name = uniqueQueue('hostile-upgraded');
  const { a, b, ids } = await busyQueue(context, name);
  const c = await context.newPage();
  await c.goto(`${origin}/`);
  await c.evaluate(
    (db) =>
      new Promise<void>((resolve, reject) => {
        // A version past any this code knows (it is at 2), as a future release would make.
        const request = indexedDB.open(db, 99);
        request.onupgradeneeded = () => request.result.createObjectStore('addedByANewerVersion');
        request.onsuccess = () => (request.result.close(), resolve());
        request.onerror = () => reject(request.error);
      }),
    `offthread:${name}`,
  );
  const newer = /^StorageError: .*newer version/i;
  for (const page of [a, b]) {
    expect(misfits(await settledWaits(page), () => newer)).toEqual([]);
    const calls = await page.evaluate(
      ([id, hungMs]) => {
        const queue = window.lifecycle.queue;
        return window.lifecycle.settle(
          {
            add: () => queue.add('echo', 'x'),
            run: () => queue.run('echo', 'x'),
            counts: () => queue.counts(),
            list: () => queue.list(),
            getJob: () => queue.getJob(id),
            cancel: () => queue.cancel(id),
            pause: () => queue.pause(),
          },
          hungMs,
        );
      },
      [ids[0]!, HUNG_MS] as const,
    );
    expect(misfits(calls, () => newer)).toEqual([]);
    expect(misfits(await page.evaluate((hungMs) => window.lifecycle.settle({ close: () => window.lifecycle.queue.close() }, hungMs), HUNG_MS), () => /^resolved undefined$/)).toEqual([]);
  }
});

/** A runs the queue (a job of 1.5 s running, ten queued); B has workers too; C has none. B and C wait for all. */
async function runnerAndFollowers(context: BrowserContext, name: string) {
  const a = await openTab(context, name);
  await a.waitForFunction(
    async (lock) => ((await navigator.locks.query()).held ?? []).some((l) => l.name === lock),
    `offthread:${name}:runner`,
  );
  const b = await openTab(context, name);
  const c = await openTab(context, name, { worker: false });
  const ids = await c.evaluate(async () => {
    const jobs = await window.lifecycle.queue.addBulk([{ name: 'sleep', data: 1_500 }, ...Array.from({ length: 10 }, (_, i) => ({ name: 'echo' as const, data: i }))]);
    return jobs.map((job) => job.id);
  });
  for (const page of [b, c]) {
    await page.evaluate((jobIds) => jobIds.forEach((id) => window.lifecycle.wait(id, async () => (await window.lifecycle.queue.getJob(id))!.result)), ids);
  }
  // The long job runs in A.
  await c.waitForFunction(async (id) => (await window.lifecycle.queue.getJob(id))?.state().then((s) => s === 'active'), ids[0]!);
  return { a, b, c, ids };
}

async function expectAllResolved(pages: Page[], ids: string[]) {
  const expected = ['resolved 1500', ...Array.from({ length: 10 }, (_, i) => `resolved ${i}`)];
  for (const page of pages) {
    const waits = await settledWaits(page);
    expect(ids.map((id) => shown(waits[id]))).toEqual(expected);
  }
}

test('the tab that runs the queue closed mid-run: another tab takes over, and every wait in every tab settles', async ({ context }) => {
  const name = uniqueQueue('hostile-runner-closed');
  const { a, b, c, ids } = await runnerAndFollowers(context, name);
  await a.close({ runBeforeUnload: false });
  await expectAllResolved([b, c], ids);
});

test('the tab that runs the queue crashed mid-run (CDP Page.crash): another tab takes over, and every wait in every tab settles', async ({ context, browserName }) => {
  test.skip(browserName !== 'chromium', 'a renderer crash is caused through CDP (Page.crash), which only Chromium has');
  const name = uniqueQueue('hostile-runner-crashed');
  const { a, b, c, ids } = await runnerAndFollowers(context, name);
  const cdp = await context.newCDPSession(a);
  const crashed = new Promise<void>((resolve) => a.once('crash', () => resolve()));
  cdp.send('Page.crash').catch(() => {});
  await crashed;
  await expectAllResolved([b, c], ids);
});

test('the only tab with workers closed: a tab without workers still waits (its jobs are stored, not lost), and settles once a tab with workers opens', async ({ context }) => {
  const name = uniqueQueue('hostile-no-runner');
  const a = await openTab(context, name);
  const c = await openTab(context, name, { worker: false });
  const id = await c.evaluate(async () => (await window.lifecycle.queue.add('sleep', 1_000)).id);
  await c.evaluate((jobId) => window.lifecycle.wait(jobId, async () => (await window.lifecycle.queue.getJob(jobId))!.result), id);
  await c.waitForFunction(async (jobId) => (await window.lifecycle.queue.getJob(jobId))?.state().then((s) => s === 'active'), id);
  await a.close({ runBeforeUnload: false });
  // No tab can run it: the wait stays pending (README, Guarantees), the job stays stored and is taken back.
  await c.waitForTimeout(2_000);
  expect(shown((await c.evaluate(() => window.lifecycle.waits()))[id])).toBe('pending');
  await openTab(context, name);
  expect(shown((await settledWaits(c))[id])).toBe('resolved 1000');
});

test('storage cleared (CDP Storage.clearDataForOrigin) mid-run: every wait rejects saying the job was lost; the queue goes on', async ({ context, browserName }) => {
  test.skip(browserName !== 'chromium', 'clearing an origin\'s storage from a test needs CDP (Storage.clearDataForOrigin), which only Chromium has');
  const name = uniqueQueue('hostile-cleared');
  const { a, b } = await busyQueue(context, name);
  const cdp = await context.newCDPSession(a);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb' });
  const lost = /^StorageError: Job \S+ was lost: the browser cleared this origin's storage$/;
  for (const page of [a, b]) expect(misfits(await settledWaits(page), () => lost)).toEqual([]);
  const after = await b.evaluate((hungMs) => window.lifecycle.settle({ run: () => window.lifecycle.queue.run('echo', 'after') }, hungMs), HUNG_MS);
  expect(misfits(after, () => /^resolved "after"$/)).toEqual([]);
});

// The demo page: buttons that add jobs, a live table of them, the library's dashboard, and an animation
// that shows the main thread stays free; then the tour (a schedule, crashes, network jobs, the service
// worker). On load it picks up where the last visit left off.
import { STALLED_NOTE } from './job-row';
import type { JobHandle } from 'offthread';
import { mountDashboard } from 'offthread/dashboard';
import { startFrameMeter } from './frame-meter';
import { JobTable } from './job-table';
import { blurInput, mixedBatch } from './jobs';
import { countPrimesInRange } from './primes';
import { concurrency, queue } from './queue';
import { setUpTour } from './tour';

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

const status = byId('status');
const say = (message: string) => (status.textContent = message);
const sayError = (what: string, error: unknown) => {
  say(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  console.error(what, error);
};

byId('worker-count').textContent = `${concurrency} Web Worker${concurrency === 1 ? '' : 's'}`;
startFrameMeter({
  root: byId('frame-meter'),
  track: byId('track'),
  ball: byId('ball'),
  fps: byId('fps'),
  longest: byId('longest'),
  graph: byId<HTMLCanvasElement>('frame-graph'),
});

// The optional dashboard (offthread/dashboard) is the page's view of counts, schedules and throughput.
// Nothing tells it of a clean(): a 2 s safety refresh (5 s by default) picks that up.
mountDashboard(byId('dashboard'), queue, { pageSize: 10, chartMinutes: 1, safetyRefreshMs: 2_000 });
const table = new JobTable(byId<HTMLTableSectionElement>('jobs-body'), byId('jobs-empty'), queue.contextId, (id) => {
  queue.cancel(id).catch((error: unknown) => sayError('Could not cancel', error));
});

const followed = new Set<string>();

/** Follows one job through its handle: the way to await a job's value, here or after a reload. */
function follow(handle: JobHandle<unknown>): void {
  if (followed.has(handle.id)) return;
  followed.add(handle.id);
  handle.onProgress((progress) => table.get(handle.id)?.setProgress(progress));
  handle.result.then(
    (value) => table.get(handle.id)?.showResult(value),
    (error: Error) => table.get(handle.id)?.showError(error),
  );
}

// The queue's events keep the rows current. `progress` also reaches rows whose handle lives in another
// tab; here it doubles `onProgress`, which the row takes either way.
queue.on('added', ({ job }) => table.upsert(job));
queue.on('active', ({ job }) => table.upsert(job));
queue.on('progress', ({ job, progress }) => table.get(job.id)?.setProgress(progress));
queue.on('completed', ({ job }) => table.upsert(job));
queue.on('failed', ({ job }) => table.upsert(job));
queue.on('cancelled', ({ job }) => table.upsert(job));
queue.on('retrying', ({ job, error }) => table.upsert(job, `Retrying after: ${error.message}`));
queue.on('stalled', ({ job }) => table.upsert(job, STALLED_NOTE));
queue.on('drained', () => table.size > 0 && say('All caught up: nothing running, nothing waiting.'));
queue.on('error', ({ error }) => sayError('Storage trouble', error));

const buttons = [...document.querySelectorAll<HTMLButtonElement>('button[data-needs-queue]')];
const primeLimit = byId<HTMLInputElement>('prime-limit');

/** Runs `action` for a button, reporting what went wrong instead of failing silently. */
function onClick(id: string, action: () => Promise<void> | void): void {
  byId(id).addEventListener('click', () => {
    Promise.resolve()
      .then(action)
      .catch((error: unknown) => sayError('That did not work', error));
  });
}

/** The number in the form, or `undefined` (having said what is wrong) if it is not a valid one. */
function readLimit(): number | undefined {
  const n = primeLimit.valueAsNumber;
  const valid = primeLimit.checkValidity() && Number.isInteger(n);
  primeLimit.setAttribute('aria-invalid', String(!valid));
  if (valid) return n;
  say(`Enter a whole number from ${Number(primeLimit.min).toLocaleString('en-US')} to ${Number(primeLimit.max).toLocaleString('en-US')}, in steps of ${primeLimit.step}.`);
  primeLimit.focus();
  return undefined;
}

onClick('add-primes', async () => {
  const n = readLimit();
  if (n === undefined) return;
  follow(await queue.add('countPrimes', n));
  say('Added a prime count.');
});
onClick('add-blur', async () => {
  follow(await queue.add('blur', blurInput()));
  say('Added a blur.');
});
onClick('add-mixed', async () => {
  const handles = await queue.addBulk(mixedBatch());
  handles.forEach(follow);
  say(`Added ${handles.length} jobs in one transaction.`);
});
onClick('clear', async () => {
  const states = ['completed', 'failed', 'cancelled'] as const;
  const removed = (await Promise.all(states.map((state) => queue.clean({ state })))).flat();
  for (const id of removed) table.remove(id);
  say(`Cleared ${removed.length} finished job${removed.length === 1 ? '' : 's'}.`);
});
onClick('reload', () => location.reload());
const mainThreadResult = byId('main-thread-result');
onClick('main-thread', () => {
  const n = readLimit();
  if (n === undefined) return;
  mainThreadResult.textContent = `Counting primes below ${n.toLocaleString('en-US')} here: watch the ball…`;
  // After the next frame, so that the message above is painted before the thread blocks.
  requestAnimationFrame(() =>
    setTimeout(() => {
      const start = performance.now();
      const count = countPrimesInRange(0, n);
      const ms = performance.now() - start;
      mainThreadResult.textContent = `${count.toLocaleString('en-US')} primes below ${n.toLocaleString('en-US')}, in ${ms.toFixed(0)} ms with the page frozen all along.`;
    }),
  );
});

/**
 * Lists what is stored and follows what is unfinished. The queue is already starting meanwhile (jobs cut
 * short by the last visit run again on their own), so events may have made some rows first: they are newer
 * than this list, which only fills in the rest.
 */
async function resume(): Promise<void> {
  const limit = 100;
  const stored = await queue.list({ limit });
  // Newest first from the store; go oldest first so that rows of one instant keep their order.
  for (const job of [...stored].reverse()) if (!table.has(job.id)) table.upsert(job);
  const unfinished = stored.filter((job) => job.state !== 'completed' && job.state !== 'failed' && job.state !== 'cancelled');
  for (const job of unfinished) {
    const handle = await queue.getJob(job.id);
    if (handle) follow(handle);
  }
  await setUpTour({ follow, say, onClick });
  for (const button of buttons) button.disabled = false;
  say(
    stored.length === 0
      ? 'Ready. Add some jobs.'
      : `Picked up ${stored.length === limit ? `the newest ${limit}` : stored.length} stored job${stored.length === 1 ? '' : 's'}, ${unfinished.length} of them unfinished.`,
  );
  document.body.dataset.contextId = queue.contextId;
  document.body.dataset.ready = 'true';
}

resume().catch((error: unknown) => sayError('Could not open the queue', error));

// A page for test/e2e/dashboard.spec.ts: an app with a queue (the harness tasks), its buttons, and the dashboard.
//   ?queue=NAME            the queue's name
//   &worker=0              no worker: the page adds and lists, and never runs a job
//   &concurrency=N         workers (default 2)
//   &maxStalls=N           the queue's maxStalls
//   &mode=element          the dashboard as <offthread-dashboard queue="NAME"> (a read-only queue of its own),
//                          instead of mountDashboard(#dashboard, queue)
//   &pageSize=N&chartMinutes=N&safetyRefreshMs=N   dashboard options
import { createQueue, type Queue } from '../../../src/index';
import { defineDashboardElement, mountDashboard, type DashboardOptions } from '../../../src/dashboard';
import type { HarnessTasks } from './tasks';

const params = new URLSearchParams(location.search);
const name = params.get('queue') ?? 'dashboard';
const mode = params.get('mode') === 'element' ? 'element' : 'mount';
const numberParam = (key: string) => (params.has(key) ? Number(params.get(key)) : undefined);

const queue: Queue<HarnessTasks> = createQueue<HarnessTasks>({
  name,
  concurrency: numberParam('concurrency') ?? 2,
  ...(params.has('maxStalls') && { maxStalls: numberParam('maxStalls') }),
  ...(params.get('worker') !== '0' && {
    worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module', name: 'dashboard-page' }),
  }),
});

const options: DashboardOptions = {};
if (params.has('pageSize')) options.pageSize = numberParam('pageSize')!;
if (params.has('chartMinutes')) options.chartMinutes = numberParam('chartMinutes')!;
if (params.has('safetyRefreshMs')) options.safetyRefreshMs = numberParam('safetyRefreshMs')!;

const host = document.querySelector<HTMLElement>('#dashboard')!;
let unmount: () => void = () => undefined;
if (mode === 'element') {
  defineDashboardElement();
  const element = document.createElement('offthread-dashboard');
  element.setAttribute('queue', name);
  for (const [key, attribute] of [['pageSize', 'page-size'], ['chartMinutes', 'chart-minutes'], ['safetyRefreshMs', 'safety-refresh-ms']] as const) {
    if (params.has(key)) element.setAttribute(attribute, params.get(key)!);
  }
  host.replaceWith(element);
  unmount = () => element.remove();
} else {
  unmount = mountDashboard(host, queue, options);
}

const on = (id: string, work: () => Promise<unknown>) =>
  document.getElementById(id)!.addEventListener('click', () => void work().catch((error: unknown) => console.error(error)));

on('add-sleepers', () => queue.addBulk([2_500, 3_500, 4_500].map((ms) => ({ name: 'sleep' as const, data: ms }))));
on('add-quick', () => queue.add('echo', { hello: 'world' }));
on('add-failing', () => queue.add('fail', 'disk is full', { attempts: 2, backoff: 100 }));
on('add-crashing', () => queue.add('misbehave', { how: 'close', times: 1 }));
on('add-schedule', () => queue.schedule('heartbeat', { every: 60_000 }, { name: 'echo', data: 'tick' }));
on('run-workload', () => runWorkload());

/** A minute's worth of mixed jobs in a few seconds, so that the chart has something to draw. */
async function runWorkload(): Promise<void> {
  for (let wave = 0; wave < 8; wave++) {
    await queue.addBulk([
      ...Array.from({ length: 6 }, (_, i) => ({ name: 'sleep' as const, data: 150 + ((wave * 7 + i * 13) % 9) * 60 })),
      { name: 'echo' as const, data: { wave, thumbnails: 12 } },
      ...(wave % 3 === 2 ? [{ name: 'fail' as const, data: `upload ${wave} rejected`, opts: { attempts: 2, backoff: 50 } }] : []),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

declare global {
  interface Window {
    dashboardPage: {
      queue: Queue<HarnessTasks>;
      mode: 'mount' | 'element';
      unmount(): void;
      /** Adds `count` quick jobs with ids `job-00001`... in batches of `batch` (setup for the paging test). */
      addMany(count: number, batch?: number): Promise<void>;
    };
  }
}

window.dashboardPage = {
  queue,
  mode,
  unmount: () => unmount(),
  async addMany(count, batch = 1_000) {
    for (let start = 0; start < count; start += batch) {
      const jobs = [];
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const n = String(i + 1).padStart(5, '0');
        jobs.push({ name: 'echo' as const, data: n, opts: { jobId: `job-${n}` } });
      }
      await queue.addBulk(jobs);
    }
  },
};
document.body.dataset.ready = 'true';

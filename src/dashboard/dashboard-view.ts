import type { JobInfo, JobState } from '../job/job';
import { CountsPanel, countOf, stateLabel } from './counts-panel';
import type { ResolvedDashboardOptions } from './dashboard-options';
import type { DashboardQueue } from './dashboard-queue';
import { adoptDashboardStyles } from './dashboard-styles';
import { h } from './h';
import type { RowAction } from './job-row';
import { JobsTable, type BulkAction } from './jobs-table';
import { pageQuery } from './page-query';
import { RefreshScheduler } from './refresh-scheduler';
import { SchedulesPanel } from './schedules-panel';
import { ThroughputChart } from './throughput-chart';

/** Events after which the counts and the page are read again (debounced). */
const CHANGES = ['added', 'active', 'completed', 'failed', 'retrying', 'stalled', 'cancelled', 'drained'] as const;
/** Finished jobs read from the store at start, so the chart does not start empty. */
const CHART_SEED = 500;

let nextId = 0;

/**
 * A dashboard in a shadow root: counts, jobs, chart, schedules and pause. It reads the store only after an
 * event (at most once per animation frame and `minGapMs`), after the reader acts, and in a slow safety
 * refresh while visible; never in a loop over the jobs, and never more than one page of them.
 */
export class DashboardView {
  readonly #root: ShadowRoot;
  readonly #queue: DashboardQueue;
  readonly #options: ResolvedDashboardOptions;
  readonly #container: HTMLElement;
  readonly #status = h('span', { class: 'status', role: 'status' }, 'Loading…');
  readonly #pause = h('button', { type: 'button', class: 'big primary' }, 'Pause');
  readonly #notice = h('p', { class: 'notice', role: 'status' });
  readonly #banner = h('p', { class: 'banner', role: 'alert', hidden: true });
  readonly #counts: CountsPanel;
  readonly #table: JobsTable;
  readonly #chart: ThroughputChart;
  readonly #schedules: SchedulesPanel;
  readonly #refresh: RefreshScheduler;
  readonly #off: Array<() => void> = [];
  #state: JobState | undefined;
  #offset = 0;
  #pageSize: number;
  #paused: boolean | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #safety: ReturnType<typeof setInterval> | undefined;
  #disposed = false;

  constructor(root: ShadowRoot, queue: DashboardQueue, options: ResolvedDashboardOptions) {
    this.#root = root;
    this.#queue = queue;
    this.#options = options;
    this.#state = options.state;
    this.#pageSize = options.pageSize;
    const id = `ot${++nextId}`;
    this.#counts = new CountsPanel((state) => this.#filter(state));
    this.#table = new JobsTable(
      {
        contextId: queue.contextId,
        now: () => Date.now(),
        act: (action, job) => void this.#act(action, job),
        goTo: (offset) => this.#goTo(offset),
        setPageSize: (size) => this.#setPageSize(size),
        bulk: (action, state) => void this.#bulk(action, state),
      },
      id,
    );
    this.#chart = new ThroughputChart(options.chartMinutes, id);
    this.#schedules = new SchedulesPanel(id);
    this.#pause.addEventListener('click', () => void this.#togglePause());
    this.#refresh = new RefreshScheduler(() => this.#load(), 250);
    this.#container = h(
      'section',
      { class: 'dash', 'aria-labelledby': `${id}-title` },
      h(
        'header',
        null,
        h('h2', { id: `${id}-title` }, h('span', { class: 'brand' }, 'offthread'), h('span', { class: 'vh' }, 'queue'), h('code', null, queue.name)),
        this.#status,
        h('span', { class: 'spacer' }),
        this.#notice,
        this.#pause,
      ),
      this.#banner,
      this.#counts.element,
      h('div', { class: 'panels' }, this.#chart.element, this.#schedules.element),
      this.#table.element,
    );
  }

  /** Shows the dashboard and starts following the queue. */
  start(): void {
    adoptDashboardStyles(this.#root);
    this.#root.append(this.#container);
    const q = this.#queue;
    for (const event of CHANGES) {
      this.#off.push(
        q.on(event, (payload: { job?: JobInfo }) => {
          const job = payload.job;
          if (job) {
            this.#table.patch(job);
            if (event === 'completed' || event === 'failed') this.#chart.record(job, Date.now());
          }
          this.#refresh.request();
        }),
      );
    }
    this.#off.push(q.on('progress', ({ job, progress }: { job: JobInfo; progress: unknown }) => this.#table.progress(job.id, progress)));
    this.#off.push(q.on('error', ({ error }: { error: Error }) => this.#showError(error)));
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#onVisibility();
    void this.#refresh.now();
    void this.#seedChart();
    this.#chart.start().catch((error: unknown) => this.#showError(error));
  }

  /** Stops following the queue and takes the dashboard out of its root. */
  dispose(): void {
    this.#stop();
    this.#container.remove();
  }

  #stop(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const off of this.#off) off();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    clearInterval(this.#ticker);
    clearInterval(this.#safety);
    this.#refresh.dispose();
    this.#chart.dispose();
  }

  /** Timers run only while the page is visible; coming back, the dashboard catches up at once. */
  readonly #onVisibility = (): void => {
    clearInterval(this.#ticker);
    clearInterval(this.#safety);
    this.#ticker = this.#safety = undefined;
    if (document.visibilityState === 'hidden' || this.#disposed) return;
    this.#tick();
    this.#ticker = setInterval(() => this.#tick(), 1_000);
    if (this.#options.safetyRefreshMs > 0) this.#safety = setInterval(() => this.#refresh.request(), this.#options.safetyRefreshMs);
    this.#refresh.request();
  };

  #tick(): void {
    const now = Date.now();
    this.#table.tick(now);
    this.#chart.draw(now);
    this.#schedules.tick(now);
  }

  async #load(): Promise<void> {
    const q = this.#queue;
    try {
      const [counts, paused, schedules] = await Promise.all([q.counts(), q.isPaused(), q.schedules()]);
      const total = countOf(counts, this.#state);
      // The list shrank under the reader (jobs finished, or were cleaned): stay on what is now the last page.
      if (this.#offset >= total) this.#offset = Math.max(0, Math.ceil(total / this.#pageSize) - 1) * this.#pageSize;
      const { reversed, ...query } = pageQuery(this.#offset, this.#pageSize, total);
      const jobs = (await q.list({ state: this.#state, ...query })) as JobInfo[];
      if (reversed) jobs.reverse();
      if (this.#disposed) return;
      this.#banner.hidden = true;
      this.#counts.update(counts, this.#state);
      this.#table.render({ state: this.#state, jobs, offset: this.#offset, pageSize: this.#pageSize, total });
      this.#schedules.update(schedules, Date.now());
      this.#showPaused(paused);
    } catch (error) {
      this.#showError(error);
    }
  }

  async #seedChart(): Promise<void> {
    try {
      const [completed, failed] = await Promise.all([
        this.#queue.list({ state: 'completed', limit: CHART_SEED }),
        this.#queue.list({ state: 'failed', limit: CHART_SEED }),
      ]);
      const now = Date.now();
      for (const job of [...completed, ...failed] as JobInfo[]) this.#chart.record(job, now);
      this.#chart.draw(now);
    } catch (error) {
      this.#showError(error);
    }
  }

  #showPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    this.#status.className = `status ${paused ? 'paused' : 'running'}`;
    this.#status.textContent = paused ? 'Paused' : 'Running';
    this.#pause.textContent = paused ? 'Resume' : 'Pause';
    this.#pause.setAttribute('aria-label', paused ? 'Resume the queue' : 'Pause the queue');
  }

  #showError(error: unknown): void {
    if (this.#disposed) return;
    const e = error instanceof Error ? error : new Error(String(error));
    if (e.name === 'QueueClosedError') {
      // What it showed last stays, marked as such; the buttons can do nothing more.
      this.#stop();
      this.#status.className = 'status closed';
      this.#status.textContent = 'Queue closed';
      this.#container.inert = true;
      return;
    }
    this.#banner.textContent = `${e.name}: ${e.message}`;
    this.#banner.hidden = false;
  }

  #filter(state: JobState | undefined): void {
    this.#state = state;
    this.#offset = 0;
    void this.#refresh.now();
  }

  #goTo(offset: number): void {
    this.#offset = Math.max(0, offset);
    void this.#refresh.now();
  }

  #setPageSize(size: number): void {
    // The first job on screen stays on screen.
    this.#offset = Math.floor(this.#offset / size) * size;
    this.#pageSize = size;
    void this.#refresh.now();
  }

  async #act(action: RowAction, job: JobInfo): Promise<void> {
    const q = this.#queue;
    const done = await this.#attempt(() => (action === 'retry' ? q.retry(job.id) : action === 'cancel' ? q.cancel(job.id) : q.remove(job.id)));
    if (done === undefined) return;
    const verb = { retry: 'retried', cancel: 'cancelled', remove: 'removed' }[action];
    this.#say(done ? `Job ${job.id} ${verb}.` : `Job ${job.id} could not be ${verb}: it changed meanwhile.`);
    await this.#refresh.now();
  }

  async #bulk(action: BulkAction, state: 'completed' | 'failed' | 'cancelled'): Promise<void> {
    const q = this.#queue;
    const label = stateLabel(state).toLowerCase();
    if (action === 'retryAll') {
      if (state === 'completed') return;
      const n = await this.#attempt(() => q.retryAll({ state }));
      if (n !== undefined) this.#say(`Retried ${n} ${label} job${n === 1 ? '' : 's'}.`);
    } else {
      const ids = await this.#attempt(() => q.clean({ state }));
      if (ids !== undefined) this.#say(`Deleted ${ids.length} ${label} job${ids.length === 1 ? '' : 's'}.`);
    }
    await this.#refresh.now();
  }

  async #togglePause(): Promise<void> {
    const pause = !this.#paused;
    const done = await this.#attempt(async () => {
      await (pause ? this.#queue.pause() : this.#queue.resume());
      return true;
    });
    if (done) this.#say(pause ? 'Queue paused: running jobs finish, no new job starts.' : 'Queue resumed.');
    await this.#refresh.now();
  }

  async #attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.#showError(error);
      return undefined;
    }
  }

  #say(text: string): void {
    this.#notice.textContent = text;
  }
}

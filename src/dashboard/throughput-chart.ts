import type uPlot from 'uplot';
import { formatDuration } from './format-duration';
import { h } from './h';
import { ThroughputSeries, type FinishedJob } from './throughput-series';

const COLORS = { completed: '#1a7f37', failed: '#cf222e', latency: '#0969da', wait: '#8250df', text: '#59636e', grid: '#e4e8ec' };

/**
 * Jobs finished per second (completed, failed) and their mean latency and wait, over the last minutes,
 * drawn by uPlot (loaded with `import()` the first time, so it does not delay the counts and the table).
 * A text summary stands for the canvas for screen readers.
 */
export class ThroughputChart {
  readonly element: HTMLElement;
  readonly #series: ThroughputSeries;
  readonly #plotBox = h('div', { class: 'plot', 'aria-hidden': 'true' });
  readonly #summary = h('figcaption', { class: 'summary' }, 'Nothing finished yet.');
  readonly #minutes: number;
  #plot: uPlot | undefined;
  #resize: ResizeObserver | undefined;
  #disposed = false;

  constructor(minutes: number, id: string) {
    this.#minutes = minutes;
    const windowMs = minutes * 60_000;
    // About 60 points whatever the window: 5-second buckets over 5 minutes, 1-second ones over 1.
    this.#series = new ThroughputSeries(windowMs, Math.max(1_000, Math.round(windowMs / 60 / 1_000) * 1_000));
    const heading = h('h3', { id: `${id}-chart` }, `Throughput and latency, last ${minutes === 1 ? 'minute' : `${minutes} minutes`}`);
    this.element = h(
      'section',
      { class: 'panel chart-panel', 'aria-labelledby': heading.id },
      heading,
      h('figure', null, this.#plotBox, this.#summary),
      h('p', { class: 'note' }, 'Latency: added → finished. Wait: added → started. Means per point.'),
    );
  }

  /**
   * Draws the chart once uPlot is loaded; until then, only the summary shows. If uPlot cannot load or draw,
   * the chart's box says why (the summary below still counts), and the error is thrown for the caller to report.
   */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (error) {
      // BAD: an empty box. The dashboard's error banner goes at its next refresh; this stays.
      // (Seen in WebKitGTK under LANG=C: `navigator.language` is "C", and uPlot's `new Intl.NumberFormat(navigator.language)`
      // throws as it loads.)
      const e = error instanceof Error ? error : new Error(String(error));
      this.#plotBox.replaceChildren(h('p', { class: 'plot-error' }, `The chart could not be drawn: ${e.name}: ${e.message}`));
      this.#plotBox.removeAttribute('aria-hidden');
      throw error;
    }
  }

  async #start(): Promise<void> {
    const { default: UPlot } = await import('uplot');
    if (this.#disposed) return;
    const width = Math.max(240, this.#plotBox.clientWidth || 480);
    const ms = (value: number | null) => (value === null ? '—' : formatDuration(value));
    // One line of clock time under each tick (uPlot's default adds a second line with the date, which crowds).
    const clock: Intl.DateTimeFormatOptions = this.#minutes >= 3 ? { hour: 'numeric', minute: '2-digit' } : { hour: 'numeric', minute: '2-digit', second: '2-digit' };
    const axis = { stroke: COLORS.text, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid, width: 1 }, font: '11px system-ui, sans-serif' };
    this.#plot = new UPlot(
      {
        width,
        height: 190,
        cursor: { drag: { x: false, y: false } },
        // Labels only: the numbers are in the summary below, which screen readers get too.
        legend: { live: false },
        scales: {
          x: { time: true },
          rate: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
          ms: { range: (_u, _min, max) => [0, Math.max(100, max * 1.15)] },
        },
        axes: [
          { ...axis, space: 70, values: (_u, splits) => splits.map((v) => new Date(v * 1_000).toLocaleTimeString([], clock)) },
          { ...axis, scale: 'rate', label: 'jobs / s', labelFont: '11px system-ui, sans-serif', size: 48 },
          { ...axis, scale: 'ms', side: 1, grid: { show: false }, size: 60, values: (_u, splits) => splits.map((v) => ms(v)) },
        ],
        series: [
          { value: (_u, v) => (v === null ? '—' : new Date(v * 1_000).toLocaleTimeString()) },
          { label: 'Completed / s', scale: 'rate', stroke: COLORS.completed, fill: 'rgba(26,127,55,0.12)', width: 2, value: (_u, v) => rate(v) },
          { label: 'Failed / s', scale: 'rate', stroke: COLORS.failed, fill: 'rgba(207,34,46,0.10)', width: 2, value: (_u, v) => rate(v) },
          { label: 'Latency', scale: 'ms', stroke: COLORS.latency, width: 1.5, spanGaps: true, points: { show: true, size: 4 }, value: (_u, v) => ms(v) },
          { label: 'Wait', scale: 'ms', stroke: COLORS.wait, width: 1.5, dash: [5, 4], spanGaps: true, points: { show: true, size: 4 }, value: (_u, v) => ms(v) },
        ],
      },
      this.#series.data(Date.now()) as uPlot.AlignedData,
      this.#plotBox,
    );
    if (typeof ResizeObserver !== 'undefined') {
      this.#resize = new ResizeObserver(() => {
        const next = Math.max(240, this.#plotBox.clientWidth);
        if (this.#plot && Math.abs(next - this.#plot.width) > 1) this.#plot.setSize({ width: next, height: 190 });
      });
      this.#resize.observe(this.#plotBox);
    }
  }

  /** Counts a job that finished (from a `completed` or `failed` event, or read from the store). */
  record(job: FinishedJob, now: number): void {
    this.#series.record(job, now);
  }

  /** Moves the window to `now` and redraws. */
  draw(now: number): void {
    const totals = this.#series.totals(now);
    const finished = totals.completed + totals.failed;
    const span = this.#minutes === 1 ? 'Last minute' : `Last ${this.#minutes} minutes`;
    const text =
      finished === 0
        ? `${span}: nothing finished.`
        : `${span}: ${totals.completed} completed, ${totals.failed} failed (${rate(finished / (this.#minutes * 60))} jobs/s); ` +
          `mean latency ${formatDuration(totals.latencyMs ?? 0)}, mean wait ${totals.waitMs === undefined ? '—' : formatDuration(totals.waitMs)}.`;
    if (this.#summary.textContent !== text) this.#summary.textContent = text;
    this.#plot?.setData(this.#series.data(now) as uPlot.AlignedData);
  }

  dispose(): void {
    this.#disposed = true;
    this.#resize?.disconnect();
    this.#plot?.destroy();
  }
}

function rate(value: number | null): string {
  if (value === null) return '—';
  return value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2);
}

import type { SerializedError } from '../errors';
import type { JobInfo } from '../job/job';
import { formatDuration } from './format-duration';
import { formatValue } from './format-value';
import { h, type Child } from './h';
import { progressFraction } from './progress-fraction';
import { ranByLabel } from './ran-by-label';

/** What a row's buttons do. */
export type RowAction = 'retry' | 'cancel' | 'remove';

/** What a row needs from the table it is in. */
export interface JobRowHost {
  /** The queue's `contextId`, to tell "this tab" from "another tab". */
  readonly contextId: string;
  now(): number;
  act(action: RowAction, job: JobInfo): void;
}

/** The table's columns, in order (the first is the row's header). */
export const JOB_COLUMNS = ['Job', 'State', 'Attempt', 'Progress', 'Duration', 'Result or error', 'Ran by', 'Actions'] as const;

/**
 * One job as a table row. Updated in place (a cell is rebuilt only when what it shows changed), so an
 * open stack trace stays open and a focused button keeps the focus across refreshes.
 */
export class JobRow {
  readonly element: HTMLTableRowElement;
  #job: JobInfo;
  readonly #host: JobRowHost;
  readonly #cells: HTMLTableCellElement[];
  readonly #keys: string[] = [];
  readonly #buttons: Record<RowAction, HTMLButtonElement>;

  constructor(job: JobInfo, host: JobRowHost) {
    this.#job = job;
    this.#host = host;
    const button = (action: RowAction, text: string, className: string) =>
      h('button', { type: 'button', class: `small ${className}`, onclick: () => this.#host.act(action, this.#job) }, text);
    this.#buttons = { retry: button('retry', 'Retry', 'primary'), cancel: button('cancel', 'Cancel', ''), remove: button('remove', 'Remove', '') };
    this.#cells = JOB_COLUMNS.map((_, i) => (i === 0 ? h('th', { scope: 'row' }) : h('td')));
    this.#cells[7]!.append(h('div', { class: 'actions' }, this.#buttons.retry, this.#buttons.cancel, this.#buttons.remove));
    this.element = h('tr', null, ...this.#cells);
    this.update(job);
  }

  get job(): JobInfo {
    return this.#job;
  }

  /** Shows `job` (a newer view of the same job). */
  update(job: JobInfo): void {
    this.#job = job;
    this.element.dataset.state = job.state;
    this.element.dataset.jobId = job.id;
    this.#set(0, `${job.name}\n${job.id}`, () => [h('span', { class: 'job-name' }, job.name), h('code', { class: 'job-id', title: job.id }, job.id)]);
    this.#set(1, job.state, () => [h('span', { class: `badge s-${job.state}` }, job.state)]);
    this.#set(2, `${job.attempt}/${job.attempts}`, () => [`${job.attempt} / ${job.attempts}`]);
    this.#renderProgress();
    this.tick(this.#host.now());
    this.#renderOutcome();
    this.#set(6, `${job.ranBy}`, () => [ranByLabel(job.ranBy, this.#host.contextId)]);
    this.#renderActions();
  }

  /** Shows a new progress value, from a `progress` event. */
  progress(progress: unknown): void {
    if (this.#job.state !== 'active') return;
    this.#job = { ...this.#job, progress };
    this.#renderProgress();
  }

  /** Brings the running time of an active job up to `now`. */
  tick(now: number): void {
    const { state, startedAt, finishedAt } = this.#job;
    let text = '—';
    if (startedAt !== undefined && finishedAt !== undefined && state !== 'active') text = formatDuration(finishedAt - startedAt);
    else if (startedAt !== undefined && state === 'active') text = formatDuration(now - startedAt);
    this.#set(4, text, () => [text]);
  }

  #renderProgress(): void {
    const { state, progress } = this.#job;
    const fraction = state === 'completed' ? 1 : progressFraction(progress);
    if (fraction === undefined) {
      const text = progress === undefined ? '—' : formatValue(progress, 40);
      this.#set(3, `t:${text}`, () => [text]);
      return;
    }
    const percent = Math.round(fraction * 100);
    // The width through CSSOM, not a style attribute: a page whose CSP has no 'unsafe-inline' allows it.
    const fill = h('span', { class: 'progress-fill' });
    fill.style.width = `${percent}%`;
    this.#set(3, `p:${percent}:${state}`, () => [
      h(
        'div',
        {
          class: 'progress',
          role: 'progressbar',
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': percent,
          'aria-label': `Progress of ${this.#job.name} ${this.#job.id}`,
        },
        fill,
      ),
      h('span', { class: 'progress-text' }, `${percent}%`),
    ]);
  }

  #renderOutcome(): void {
    const { state, result, error, history } = this.#job;
    if (state === 'completed') {
      const text = formatValue(result);
      this.#set(5, `r:${text}`, () => [h('span', { class: 'result', title: formatValue(result, 2_000) }, text)]);
      return;
    }
    if (!error) {
      this.#set(5, 'none', () => ['—']);
      return;
    }
    if (state === 'corrupt') {
      // A stored record found malformed: what was wrong, and what was stored (kept until removed).
      const stored = formatValue(this.#job.quarantine?.stored, 2_000);
      this.#set(5, `c:${error.message}:${stored}`, () => [
        h('span', { class: 'error' }, h('strong', null, error.name), `: ${error.message}`),
        h('details', { class: 'stack' }, h('summary', null, 'Stored record'), h('pre', { tabindex: 0 }, stored)),
      ]);
      return;
    }
    // A job waiting for its next attempt keeps the last attempt's error: shown, but as past.
    const past = state !== 'failed' && state !== 'cancelled';
    const runs = history.filter((run) => run.outcome !== 'completed');
    this.#set(5, `e:${past}:${error.name}:${error.message}:${error.stack}:${runs.length}`, () => [
      h('span', { class: past ? 'error past' : 'error' }, past ? 'Last run: ' : '', h('strong', null, error.name), `: ${error.message}`),
      h(
        'details',
        { class: 'stack' },
        h('summary', null, runs.length > 1 ? `Stack and ${runs.length} runs` : 'Stack'),
        // Focusable: a long stack scrolls, and a keyboard must be able to scroll it.
        h('pre', { tabindex: 0 }, stackText(error)),
        runs.length > 1 &&
          h(
            'ol',
            { class: 'runs', 'aria-label': 'Runs' },
            ...runs.map((run) => h('li', null, `Run ${run.attempt}: ${run.outcome}${run.error ? `: ${run.error.name}: ${run.error.message}` : ''}`)),
          ),
      ),
    ]);
  }

  #renderActions(): void {
    const { state, id, name } = this.#job;
    const show: Record<RowAction, boolean> = {
      retry: state === 'failed' || state === 'cancelled',
      cancel: state === 'waiting' || state === 'delayed' || state === 'active',
      remove: true,
    };
    const root = this.element.getRootNode() as Document | ShadowRoot;
    const focused = Object.values(this.#buttons).find((button) => button === root.activeElement);
    for (const action of ['retry', 'cancel', 'remove'] as const) {
      const button = this.#buttons[action];
      button.hidden = !show[action];
      button.setAttribute('aria-label', `${button.textContent} ${name} ${id}`);
    }
    // A button that just went away (Retry, once the job is waiting again) hands the focus to its neighbour.
    if (focused?.hidden) (show.cancel ? this.#buttons.cancel : this.#buttons.remove).focus();
  }

  #set(column: number, key: string, render: () => Child[]): void {
    if (this.#keys[column] === key) return;
    this.#keys[column] = key;
    const cell = this.#cells[column]!;
    cell.replaceChildren(...(render().filter(Boolean) as Array<Node | string>));
  }
}

/** An error's stack, with its causes' after it. */
function stackText(error: SerializedError): string {
  const lines: string[] = [];
  for (let e: SerializedError | undefined = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (depth > 0) lines.push('', 'Caused by:');
    lines.push(e.stack && e.stack.includes(e.message) ? e.stack : `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ''}`);
  }
  return lines.join('\n');
}

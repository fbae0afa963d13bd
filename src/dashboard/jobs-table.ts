import type { JobInfo, JobState } from '../job/job';
import { stateLabel } from './counts-panel';
import { h } from './h';
import { JOB_COLUMNS, JobRow, type JobRowHost } from './job-row';
import { Pager, type PageView } from './pager';

/** What the whole list's buttons do to every job of a state. */
export type BulkAction = 'retryAll' | 'clean';

/** What the table asks of the dashboard. */
export interface JobsTableHost extends JobRowHost {
  goTo(offset: number): void;
  setPageSize(size: number): void;
  bulk(action: BulkAction, state: 'completed' | 'failed' | 'cancelled'): void;
}

/** One page of jobs and where it sits. */
export interface JobsPage extends PageView {
  state: JobState | undefined;
  jobs: JobInfo[];
}

/**
 * The jobs of one state (or all), one page at a time: a real `<table>` with a header row, a pager, and
 * the buttons that act on the whole state (retry all, clean). Rows are kept by job id across refreshes.
 */
export class JobsTable {
  readonly element: HTMLElement;
  readonly #host: JobsTableHost;
  readonly #heading: HTMLHeadingElement;
  readonly #caption = h('caption', { class: 'vh' });
  readonly #body = h('tbody');
  readonly #bulk = h('div', { class: 'bulk' });
  readonly #pager: Pager;
  readonly #rows = new Map<string, JobRow>();
  #bulkKey = '';
  #confirming: BulkAction | undefined;
  #page: JobsPage = { state: undefined, jobs: [], offset: 0, pageSize: 25, total: 0 };

  constructor(host: JobsTableHost, id: string) {
    this.#host = host;
    this.#heading = h('h3', { id: `${id}-heading`, tabindex: -1 }, 'Jobs');
    this.#pager = new Pager((offset) => host.goTo(offset), (size) => host.setPageSize(size), id);
    const table = h(
      'table',
      { class: 'jobs' },
      this.#caption,
      h('thead', null, h('tr', null, ...JOB_COLUMNS.map((column) => h('th', { scope: 'col' }, column)))),
      this.#body,
    );
    this.element = h(
      'section',
      { class: 'panel jobs-panel', 'aria-labelledby': this.#heading.id },
      h('div', { class: 'panel-head' }, this.#heading, this.#bulk),
      // Focusable, so that a keyboard can scroll it sideways when the table is wider than the dashboard.
      h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': this.#heading.id }, table),
      this.#pager.element,
    );
  }

  render(page: JobsPage): void {
    this.#page = page;
    const title = page.state ? `${stateLabel(page.state)} jobs` : 'All jobs';
    this.#heading.textContent = title;
    this.#caption.textContent = `${title}, newest first`;
    this.#renderBulk(page);
    this.#pager.update(page);
    this.#renderRows(page);
  }

  /** A newer view of a job, from an event: shown at once if its row is on this page. */
  patch(job: JobInfo): void {
    this.#rows.get(job.id)?.update(job);
  }

  progress(id: string, progress: unknown): void {
    this.#rows.get(id)?.progress(progress);
  }

  tick(now: number): void {
    for (const row of this.#rows.values()) if (row.job.state === 'active') row.tick(now);
  }

  #renderRows({ jobs, state }: JobsPage): void {
    const root = this.element.getRootNode() as Document | ShadowRoot;
    const focusedRow = [...this.#body.rows].findIndex((row) => row.contains(root.activeElement));
    const rows = jobs.map((job) => {
      let row = this.#rows.get(job.id);
      if (row) row.update(job);
      else row = new JobRow(job, this.#host);
      return row;
    });
    const keep = new Set(rows.map((row) => row.job.id));
    for (const id of this.#rows.keys()) if (!keep.has(id)) this.#rows.delete(id);
    for (const row of rows) this.#rows.set(row.job.id, row);

    // Move only rows that are out of place: moving a row would drop the focus from its buttons.
    const elements = rows.length > 0 ? rows.map((row) => row.element) : [this.#emptyRow(state)];
    elements.forEach((element, i) => {
      if (this.#body.children[i] !== element) this.#body.insertBefore(element, this.#body.children[i] ?? null);
    });
    while (this.#body.children.length > elements.length) this.#body.lastElementChild!.remove();

    // The row under the focus went away (removed, or moved to another state): the focus goes to the row
    // now in its place, or to the heading.
    if (focusedRow >= 0 && !this.#body.contains(root.activeElement)) {
      const next = rows[Math.min(focusedRow, rows.length - 1)];
      const button = next?.element.querySelector<HTMLButtonElement>('.actions button:not([hidden])');
      (button ?? this.#heading).focus();
    }
  }

  #emptyRow(state: JobState | undefined): HTMLTableRowElement {
    const text = state ? `No ${stateLabel(state).toLowerCase()} jobs.` : 'No jobs.';
    const cell = this.#body.querySelector('td.empty');
    if (cell && cell.textContent === text) return cell.parentElement as HTMLTableRowElement;
    return h('tr', null, h('td', { class: 'empty', colspan: JOB_COLUMNS.length }, text));
  }

  #renderBulk({ state, total }: JobsPage): void {
    const key = `${state}:${total}:${this.#confirming}`;
    if (key === this.#bulkKey) return;
    const wasConfirming = this.#bulkKey.endsWith(':clean');
    this.#bulkKey = key;
    if (state !== 'failed' && state !== 'completed' && state !== 'cancelled') {
      this.#confirming = undefined;
      this.#bulk.replaceChildren();
      return;
    }
    const noun = `${stateLabel(state).toLowerCase()} job${total === 1 ? '' : 's'}`;
    const root = this.element.getRootNode() as Document | ShadowRoot;
    const hadFocus = this.#bulk.contains(root.activeElement);
    const focusedText = hadFocus ? root.activeElement?.textContent : undefined;
    if (this.#confirming === 'clean') {
      const keep = h('button', { type: 'button', onclick: () => this.#confirm(undefined) }, 'Keep them');
      const remove = h(
        'button',
        {
          type: 'button',
          class: 'danger-solid',
          onclick: () => {
            this.#confirm(undefined);
            this.#host.bulk('clean', state);
          },
        },
        `Delete ${total} ${noun}`,
      );
      const question = h(
        'span',
        { class: 'confirm-text', role: 'alert' },
        `Delete ${total === 1 ? 'the' : `all ${total}`} ${noun}? This cannot be undone.`,
      );
      const box = h('div', { class: 'confirm' }, question, remove, keep);
      box.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') this.#confirm(undefined);
      });
      this.#bulk.replaceChildren(box);
      // The count may change while the reader decides: the focus stays where it was.
      if (!wasConfirming) keep.focus();
      else if (hadFocus) (focusedText === 'Keep them' ? keep : remove).focus();
      return;
    }
    const label = stateLabel(state).toLowerCase();
    const buttons: HTMLButtonElement[] = [];
    const whenAny = (act: () => void) => () => total > 0 && act();
    if (state !== 'completed') {
      buttons.push(h('button', { type: 'button', onclick: whenAny(() => this.#host.bulk('retryAll', state)) }, `Retry all ${label}`));
    }
    buttons.push(h('button', { type: 'button', class: 'danger', onclick: whenAny(() => this.#confirm('clean')) }, `Clean ${label}…`));
    for (const button of buttons) button.setAttribute('aria-disabled', String(total === 0));
    this.#bulk.replaceChildren(...buttons);
    if (hadFocus) buttons.at(-1)!.focus();
  }

  /** Asks (or stops asking) whether to delete every job of the state. */
  #confirm(action: BulkAction | undefined): void {
    this.#confirming = action;
    this.#renderBulk(this.#page);
  }
}

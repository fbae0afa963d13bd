// The jobs table: one row per job, newest first, found by id.
import { JobRow, type DemoJob } from './job-row';

export class JobTable {
  readonly #body: HTMLTableSectionElement;
  readonly #empty: HTMLElement;
  readonly #rows = new Map<string, JobRow>();
  readonly #onCancel: (id: string) => void;
  /** The queue's `contextId`: rows tell "this tab" from other runners by it. */
  readonly #contextId: string;

  constructor(body: HTMLTableSectionElement, empty: HTMLElement, contextId: string, onCancel: (id: string) => void) {
    this.#body = body;
    this.#contextId = contextId;
    this.#empty = empty;
    this.#onCancel = onCancel;
  }

  get size(): number {
    return this.#rows.size;
  }

  has(id: string): boolean {
    return this.#rows.has(id);
  }

  get(id: string): JobRow | undefined {
    return this.#rows.get(id);
  }

  /** Takes the job's row away. */
  remove(id: string): void {
    this.#rows.get(id)?.element.remove();
    this.#rows.delete(id);
    this.#empty.hidden = this.#rows.size > 0;
  }

  /** Updates the job's row, or makes one in its place: newest first, by when jobs were added. */
  upsert(job: DemoJob, note?: string): JobRow {
    let row = this.#rows.get(job.id);
    if (row) {
      row.update(job, note);
      return row;
    }
    row = new JobRow(job, this.#contextId, this.#onCancel);
    if (note !== undefined) row.update(job, note);
    // Rows come in any order (events from this tab and others, the stored list): place by `createdAt`,
    // a later row of the same instant (one addBulk) above the earlier ones.
    const before = [...this.#body.rows].find((tr) => (this.#rows.get(tr.dataset.id!)?.createdAt ?? 0) <= job.createdAt);
    this.#body.insertBefore(row.element, before ?? null);
    this.#rows.set(job.id, row);
    this.#empty.hidden = true;
    return row;
  }
}

// One row of the jobs table: a job's name, state, attempt, progress bar and result, kept up to date.
import type { AnyJobInfo, JobState, SerializedError } from 'offthread';
import { pixelsToCanvas } from './image';
import type { BlurInput, Tasks } from './tasks';

export type DemoJob = AnyJobInfo<Tasks>;

/** Said of a job that lost a run to a dying tab or worker. */
export const STALLED_NOTE = 'Run again: its page or worker went away mid-run';

const FINAL: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);
const numbers = new Intl.NumberFormat('en-US');

/** What the job does, in words. */
function describeJob(job: DemoJob): string {
  switch (job.name) {
    case 'countPrimes':
      return `Count primes below ${numbers.format(job.data)}`;
    case 'blur': {
      const { width, height, passes, radius } = job.data;
      return `Blur a ${width}×${height} image: ${passes} passes, radius ${radius}`;
    }
    case 'heartbeat':
      return `A slot of the "heartbeat" schedule: ${job.data.note}`;
    case 'crash':
      return 'Kill its worker on every run (self.close())';
    case 'crashOnce':
      return 'Kill its worker on the first run only';
    case 'upload':
      return `Upload ${job.data.file} with ctx.fetch`;
  }
}

/**
 * Who ran the job, from `job.ranBy`: this tab (its `queue.contextId`), another tab of the same origin, or the
 * service worker while no page ran the queue.
 */
export function ranByLabel(ranBy: string | undefined, contextId: string): { text: string; kind: string } {
  if (ranBy === undefined) return { text: '–', kind: 'none' };
  if (ranBy === contextId) return { text: 'this tab', kind: 'this-tab' };
  if (ranBy === 'service-worker') return { text: 'service worker', kind: 'service-worker' };
  return { text: 'another tab', kind: 'other-tab' };
}

function cell(className: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = className;
  return td;
}

export class JobRow {
  readonly id: string;
  /** When the job was added, epoch milliseconds. */
  readonly createdAt: number;
  readonly element: HTMLTableRowElement;
  readonly #job: DemoJob;
  readonly #state = document.createElement('span');
  readonly #attempt = cell('attempt');
  readonly #bar = document.createElement('progress');
  readonly #percent = document.createElement('span');
  readonly #result = cell('result');
  readonly #ranBy = document.createElement('span');
  readonly #contextId: string;
  readonly #note = document.createElement('p');
  readonly #cancel = document.createElement('button');
  #settled = false;

  constructor(job: DemoJob, contextId: string, onCancel: (id: string) => void) {
    this.id = job.id;
    this.#contextId = contextId;
    this.createdAt = job.createdAt;
    this.#job = job;
    const tr = (this.element = document.createElement('tr'));
    tr.dataset.id = job.id;
    tr.dataset.task = job.name;
    if (job.name === 'countPrimes') tr.dataset.n = String(job.data);

    const idCell = cell('id');
    const code = document.createElement('code');
    code.textContent = shortId(job.id);
    code.title = job.id;
    idCell.append(code);

    const task = cell('task');
    const name = document.createElement('span');
    name.className = 'task-name';
    name.textContent = job.name;
    const what = document.createElement('span');
    what.className = 'task-what';
    what.textContent = describeJob(job);
    this.#note.className = 'note';
    this.#note.hidden = true;
    task.append(name, what, this.#note);

    const state = cell('state');
    this.#state.className = 'badge';
    state.append(this.#state);

    const progress = cell('progress');
    this.#bar.max = 1;
    this.#bar.value = 0;
    this.#bar.setAttribute('aria-label', `Progress of job ${shortId(job.id)}`);
    this.#percent.className = 'percent';
    progress.append(this.#bar, this.#percent);

    if (job.name === 'blur') this.#result.append(this.#thumbs(job.data));

    const ranBy = cell('who');
    this.#ranBy.className = 'ran-by';
    ranBy.append(this.#ranBy);

    const actions = cell('actions');
    this.#cancel.type = 'button';
    this.#cancel.className = 'small';
    this.#cancel.textContent = 'Cancel';
    this.#cancel.setAttribute('aria-label', `Cancel job ${shortId(job.id)}`);
    this.#cancel.addEventListener('click', () => {
      this.#cancel.disabled = true;
      onCancel(job.id);
    });
    actions.append(this.#cancel);

    tr.append(idCell, task, state, this.#attempt, progress, this.#result, ranBy, actions);
    this.update(job);
  }

  /** Shows the job as stored now (from an event, or from `queue.list`). */
  update(job: DemoJob, note?: string): void {
    this.element.dataset.state = job.state;
    this.#state.textContent = job.state;
    this.#state.dataset.state = job.state;
    this.#attempt.textContent = job.attempt === 0 ? '–' : String(job.attempt);
    this.#attempt.classList.toggle('again', job.attempt > 1);
    this.#attempt.title = `${job.attempt} of ${job.attempts} attempt${job.attempts === 1 ? '' : 's'} started (a run lost to a reload does not count against them)`;
    this.#cancel.hidden = FINAL.has(job.state);
    const ran = ranByLabel(job.ranBy, this.#contextId);
    this.#ranBy.textContent = ran.text;
    this.#ranBy.dataset.kind = ran.kind;
    this.element.dataset.ranBy = ran.kind;
    // A run lost to a dying tab or worker is in the job's history, whoever took it back (this page, another,
    // or the service worker while this page was loading): the stored record says it, not only the event.
    const shown = note ?? (job.history.some((run) => run.outcome === 'stalled') ? STALLED_NOTE : undefined);
    if (shown !== undefined && this.#note.hidden) {
      this.#note.textContent = shown;
      this.#note.hidden = false;
    }
    if (typeof job.progress === 'number') this.setProgress(job.progress);
    if (job.state === 'completed') {
      this.setProgress(1);
      if (job.result !== undefined) this.showResult(job.result);
    } else if (job.error && FINAL.has(job.state)) this.showError(job.error);
  }

  /** Moves the bar; `progress` is whatever the handler gave `ctx.progress` (here a fraction). */
  setProgress(progress: unknown): void {
    if (typeof progress !== 'number' || !Number.isFinite(progress) || this.#settled) return;
    const fraction = Math.min(1, Math.max(0, progress));
    this.#bar.value = fraction;
    this.#percent.textContent = `${Math.round(fraction * 100)}%`;
  }

  /** Shows the handler's value: a count of primes, or the blurred pixels next to the original. */
  showResult(result: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.element.dataset.settled = 'completed';
    const job = this.#job;
    if (job.name === 'countPrimes' && typeof result === 'number') {
      const value = document.createElement('strong');
      value.className = 'prime-count';
      value.textContent = numbers.format(result);
      const unit = document.createElement('span');
      unit.className = 'unit';
      unit.textContent = ' primes';
      this.#result.replaceChildren(value, unit);
      this.#result.dataset.value = String(result);
    } else if (job.name === 'blur' && result instanceof Uint8ClampedArray) {
      const { width, height } = job.data;
      const after = pixelsToCanvas(result, width, height, 'The image after blurring');
      after.classList.add('after');
      this.#result.querySelector('.thumbs')?.append(after);
      this.#result.dataset.value = `${result.byteLength} bytes`;
    } else if (job.name === 'upload' && typeof result === 'object' && result !== null && 'receipt' in result) {
      const receipt = document.createElement('code');
      receipt.textContent = `receipt ${String(result.receipt)}`;
      this.#result.replaceChildren(receipt);
      this.#result.dataset.value = String(result.receipt);
    } else {
      this.#result.textContent = typeof result === 'string' ? result : (JSON.stringify(result) ?? String(result));
      this.#result.dataset.value = this.#result.textContent;
    }
  }

  /** Shows why the job ended without a value. */
  showError(error: Error | SerializedError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.element.dataset.settled = 'error';
    const message = document.createElement('span');
    message.className = 'error';
    message.title = error.message;
    message.textContent = error.name === 'JobCancelledError' ? 'Cancelled' : `${error.name}: ${error.message}`;
    this.#result.replaceChildren(message);
  }

  #thumbs(data: BlurInput): HTMLElement {
    const thumbs = document.createElement('span');
    thumbs.className = 'thumbs';
    const before = pixelsToCanvas(data.pixels, data.width, data.height, 'The image before blurring');
    const arrow = document.createElement('span');
    arrow.className = 'arrow';
    arrow.setAttribute('aria-hidden', 'true');
    arrow.textContent = '→';
    thumbs.append(before, arrow);
    return thumbs;
  }
}

/** The end of a job's id: ids begin with the time they were made, alike for jobs added together. */
function shortId(id: string): string {
  return id.slice(-6);
}

import { JOB_STATES, type JobCounts, type JobState } from '../job/job';
import { h } from './h';

const LABELS: Record<JobState | 'all', string> = {
  all: 'All',
  waiting: 'Waiting',
  delayed: 'Delayed',
  active: 'Active',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  corrupt: 'Corrupt',
};

/** How many jobs `counts` gives `state` (every job when `undefined`), `corrupt` ones included. */
export function countOf(counts: JobCounts, state: JobState | undefined): number {
  if (state === undefined) return JOB_STATES.reduce((sum, s) => sum + counts[s], counts.corrupt ?? 0);
  return (state === 'corrupt' ? counts.corrupt : counts[state]) ?? 0;
}

/** A state's name for people, capitalised (`all` for every state). */
export function stateLabel(state: JobState | undefined): string {
  return LABELS[state ?? 'all'];
}

/**
 * The live count of jobs in each state, as a row of toggle buttons: pressing one lists that state's jobs.
 * Announced politely to screen readers as the counts change.
 */
export class CountsPanel {
  readonly element: HTMLElement;
  readonly #tiles = new Map<JobState | 'all', { button: HTMLButtonElement; count: HTMLElement }>();
  readonly #format = new Intl.NumberFormat();

  constructor(onPick: (state: JobState | undefined) => void) {
    // `corrupt` (stored records found malformed and put aside) shows only while there are some.
    const tiles = (['all', ...JOB_STATES, 'corrupt'] as const).map((key) => {
      const count = h('span', { class: 'tile-count' }, '…');
      const button = h(
        'button',
        { type: 'button', class: `tile s-${key}`, 'aria-pressed': 'false', onclick: () => onPick(key === 'all' ? undefined : key) },
        h('span', { class: 'tile-label' }, LABELS[key]),
        ' ',
        count,
      );
      this.#tiles.set(key, { button, count });
      if (key === 'corrupt') button.hidden = true;
      return button;
    });
    this.element = h('div', { class: 'counts', role: 'group', 'aria-label': 'Jobs by state: choose one to list its jobs', 'aria-live': 'polite' }, ...tiles);
  }

  update(counts: JobCounts, selected: JobState | undefined): void {
    for (const [key, { button, count }] of this.#tiles) {
      const n = countOf(counts, key === 'all' ? undefined : key);
      if (key === 'corrupt') button.hidden = n === 0 && selected !== 'corrupt';
      const text = this.#format.format(n);
      if (count.textContent !== text) count.textContent = text;
      button.setAttribute('aria-pressed', String((selected ?? 'all') === key));
    }
  }
}

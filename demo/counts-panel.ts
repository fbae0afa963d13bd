// Live counts per state, read from the queue's store at most once per animation frame.
import type { JobCounts, JobState } from 'offthread';

const STATES: readonly JobState[] = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'];

export class CountsPanel {
  readonly #read: () => Promise<JobCounts>;
  readonly #values = new Map<JobState | 'total', HTMLElement>();
  #frame = 0;
  #latest = 0;

  /** Fills `root` (a `<dl>`) with one entry per state, and a total. */
  constructor(root: HTMLElement, read: () => Promise<JobCounts>) {
    this.#read = read;
    for (const state of [...STATES, 'total'] as const) {
      const item = document.createElement('div');
      item.className = 'count';
      item.dataset.state = state;
      const term = document.createElement('dt');
      term.textContent = state;
      const value = document.createElement('dd');
      value.dataset.count = state;
      value.textContent = '0';
      item.append(term, value);
      root.append(item);
      this.#values.set(state, value);
    }
  }

  /**
   * Asks for fresh counts. Any number of calls within one frame cost one read: a burst of 100 events
   * (an `addBulk`, say) is one IndexedDB transaction, not 100.
   */
  refresh(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const ticket = ++this.#latest;
      this.#read().then(
        (counts) => {
          // Reads can finish out of order; an older one must not overwrite a newer one.
          if (ticket === this.#latest) this.#render(counts);
        },
        (error: unknown) => console.error('offthread demo: could not read the counts', error),
      );
    });
  }

  #render(counts: JobCounts): void {
    let total = 0;
    for (const state of STATES) {
      total += counts[state];
      this.#values.get(state)!.textContent = String(counts[state]);
    }
    this.#values.get('total')!.textContent = String(total);
  }
}

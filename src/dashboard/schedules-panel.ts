import type { ScheduleInfo } from '../schedule/schedule';
import { h } from './h';

/** The queue's schedules and when each runs next; their countdowns kept current by `tick`. */
export class SchedulesPanel {
  readonly element: HTMLElement;
  readonly #body = h('tbody');
  readonly #empty = h('p', { class: 'muted' }, 'No schedules. ', h('code', null, "queue.schedule('id', { every: 60_000 }, job)"), ' adds one.');
  readonly #table: HTMLTableElement;
  #key = '';
  #schedules: ScheduleInfo[] = [];

  constructor(id: string) {
    const heading = h('h3', { id: `${id}-schedules` }, 'Schedules');
    this.#table = h(
      'table',
      { class: 'schedules', 'aria-labelledby': heading.id },
      h('thead', null, h('tr', null, ...['Schedule', 'Runs', 'Task', 'Next run'].map((column) => h('th', { scope: 'col' }, column)))),
      this.#body,
    );
    this.element = h('section', { class: 'panel schedules-panel', 'aria-labelledby': heading.id }, heading, this.#table, this.#empty);
    this.update([], Date.now());
  }

  update(schedules: ScheduleInfo[], now: number): void {
    const key = JSON.stringify(schedules.map((s) => [s.id, s.spec, s.job.name, s.nextRunAt, s.lastRunAt]));
    if (key !== this.#key) {
      this.#key = key;
      this.#schedules = [...schedules].sort((a, b) => a.nextRunAt - b.nextRunAt);
      this.#body.replaceChildren(
        ...this.#schedules.map((s) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, h('code', null, s.id)),
            h('td', null, describeSpec(s.spec)),
            h('td', null, s.job.name),
            h('td', null, h('time', { datetime: new Date(s.nextRunAt).toISOString(), title: new Date(s.nextRunAt).toLocaleString() })),
          ),
        ),
      );
      this.#table.hidden = schedules.length === 0;
      this.#empty.hidden = schedules.length > 0;
    }
    this.tick(now);
  }

  /** Brings the "in 3 min" countdowns up to `now`. */
  tick(now: number): void {
    this.#schedules.forEach((s, i) => {
      const time = this.#body.rows[i]?.querySelector('time');
      const text = `${relative(s.nextRunAt - now)} · ${new Date(s.nextRunAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
      if (time && time.textContent !== text) time.textContent = text;
    });
  }
}

function describeSpec(spec: ScheduleInfo['spec']): string {
  if ('every' in spec) return `every ${period(spec.every)}`;
  return `cron ${spec.cron}${spec.tz ? ` (${spec.tz})` : ''}`;
}

function period(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

function relative(ms: number): string {
  if (ms <= 0) return 'due now';
  if (ms < 60_000) return `in ${Math.ceil(ms / 1_000)} s`;
  if (ms < 3_600_000) return `in ${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `in ${Math.round(ms / 3_600_000)} h`;
  return `in ${Math.round(ms / 86_400_000)} d`;
}

import type { JobState } from '../job/job';

/** How a dashboard looks and refreshes. */
export interface DashboardOptions {
  /**
   * Rows in one page of the jobs table (the reader can change it: 10, 25, 50 or 100).
   * @default 25
   */
  pageSize?: number;
  /**
   * The state the jobs table lists at first; all states without it.
   * @default undefined
   */
  state?: JobState | undefined;
  /**
   * Minutes of history in the throughput and latency chart.
   * @default 5
   */
  chartMinutes?: number;
  /**
   * Milliseconds between the slow refreshes made while the dashboard is visible, for what no event tells:
   * jobs added, removed or paused from another tab, delayed jobs coming due, retention sweeps. `0` turns
   * them off (events still refresh the dashboard).
   * @default 5_000
   */
  safetyRefreshMs?: number;
}

/** {@link DashboardOptions} with every default filled in. */
export type ResolvedDashboardOptions = Required<Omit<DashboardOptions, 'state'>> & { state: JobState | undefined };

/** The page sizes a reader can pick. */
export const PAGE_SIZES = [10, 25, 50, 100] as const;

/** Fills in the defaults, and throws `TypeError` for a value that makes no sense. */
export function resolveDashboardOptions(options: DashboardOptions = {}): ResolvedDashboardOptions {
  const { pageSize = 25, state, chartMinutes = 5, safetyRefreshMs = 5_000 } = options;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000) {
    throw new TypeError(`Expected \`pageSize\` to be an integer from 1 to 1000, got ${String(pageSize)}`);
  }
  if (!(typeof chartMinutes === 'number' && chartMinutes > 0 && chartMinutes <= 60)) {
    throw new TypeError(`Expected \`chartMinutes\` to be a number of minutes from over 0 to 60, got ${String(chartMinutes)}`);
  }
  if (!(typeof safetyRefreshMs === 'number' && safetyRefreshMs >= 0)) {
    throw new TypeError(`Expected \`safetyRefreshMs\` to be a number of milliseconds from 0 up, got ${String(safetyRefreshMs)}`);
  }
  return { pageSize, state, chartMinutes, safetyRefreshMs: safetyRefreshMs > 0 ? Math.max(1_000, safetyRefreshMs) : 0 };
}

// offthread/dashboard, driven as a person would: through its buttons, in Chromium, on a page of its own
// (test/e2e/harness/dashboard.html) with the harness tasks. Screenshots go to test/e2e/screenshots/.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { HARNESS_ORIGIN } from './support/harness';

const PAGE_URL = `${HARNESS_ORIGIN}/test/e2e/harness/dashboard.html`;
const SCREENSHOTS = 'test/e2e/screenshots';
/** A screenshot's path: `<name>.png` from Chromium (the README's pictures), `<name>-<engine>.png` from the others. */
const shot = (name: string, browserName: string) => `${SCREENSHOTS}/${browserName === 'chromium' ? name : `${name}-${browserName}`}.png`;

function uniqueQueue(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

interface PageParams {
  queue: string;
  worker?: boolean;
  concurrency?: number;
  maxStalls?: number;
  mode?: 'mount' | 'element';
  chartMinutes?: number;
  safetyRefreshMs?: number;
  pageSize?: number;
}

/** Opens the dashboard page; resolves with the dashboard (its host element). */
async function openDashboard(page: Page, params: PageParams): Promise<Dashboard> {
  const query = new URLSearchParams({ queue: params.queue });
  if (params.worker === false) query.set('worker', '0');
  for (const key of ['concurrency', 'maxStalls', 'chartMinutes', 'safetyRefreshMs', 'pageSize'] as const) {
    if (params[key] !== undefined) query.set(key, String(params[key]));
  }
  if (params.mode) query.set('mode', params.mode);
  await page.goto(`${PAGE_URL}?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const dashboard = new Dashboard(page, page.locator(params.mode === 'element' ? 'offthread-dashboard' : '#dashboard'));
  await expect(dashboard.tile('All')).not.toContainText('…');
  return dashboard;
}

/** The dashboard as a person sees it (Playwright's locators reach into its open shadow root). */
class Dashboard {
  constructor(
    readonly page: Page,
    readonly host: Locator,
  ) {}

  /** The count button of a state (`All`, `Waiting`, ... `Cancelled`). */
  tile(label: string): Locator {
    return this.host.getByRole('group', { name: /Jobs by state/ }).getByRole('button', { name: new RegExp(`^${label}\\b`) });
  }

  async count(label: string): Promise<number> {
    const text = await this.tile(label).locator('.tile-count').textContent();
    return Number((text ?? '').replace(/\D/g, ''));
  }

  async expectCount(label: string, n: number, timeout = 30_000): Promise<void> {
    await expect(this.tile(label).locator('.tile-count')).toHaveText(n.toLocaleString('en-US'), { timeout });
  }

  get table(): Locator {
    return this.host.locator('table.jobs');
  }

  get rows(): Locator {
    return this.table.locator('tbody tr[data-job-id]');
  }

  /** The rows of jobs of one task. */
  rowOf(task: string): Locator {
    return this.rows.filter({ has: this.page.locator('th .job-name', { hasText: new RegExp(`^${task}$`) }) });
  }

  /** The row whose result reads `text`. */
  rowWithResult(text: string): Locator {
    return this.rows.filter({ has: this.page.locator('td:nth-child(6)', { hasText: new RegExp(`^${text}$`) }) });
  }

  /** A row's cell by column name. */
  cell(row: Locator, column: 'Job' | 'State' | 'Attempt' | 'Progress' | 'Duration' | 'Result or error' | 'Ran by'): Locator {
    const index = ['Job', 'State', 'Attempt', 'Progress', 'Duration', 'Result or error', 'Ran by'].indexOf(column);
    return row.locator(':scope > th, :scope > td').nth(index);
  }

  async jobIds(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.jobId!));
  }

  button(name: string | RegExp): Locator {
    return this.host.getByRole('button', { name, exact: typeof name === 'string' });
  }

  get status(): Locator {
    return this.host.locator('header .status');
  }
}

/** Serious and critical axe findings, shadow DOM included, as short lines. */
async function axeProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

test.describe('offthread/dashboard', () => {
  // Generous: on a loaded two-core machine a 2.5 s job can take ten.
  test.describe.configure({ timeout: 120_000 });

  test('shows live counts, progress bars, durations, results and who ran each job', async ({ page }) => {
    const dash = await openDashboard(page, { queue: uniqueQueue('dash-live'), concurrency: 3 });
    await dash.expectCount('All', 0);
    await expect(dash.table).toContainText('No jobs.');

    await page.getByRole('button', { name: 'Add 3 slow jobs' }).click();
    await dash.expectCount('Active', 3);
    await expect(dash.rows).toHaveCount(3);

    // The slowest job (the newest, so the first row) has its bar move with its progress events, then fill.
    const slow = dash.rows.first();
    const bar = dash.cell(slow, 'Progress').getByRole('progressbar');
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          const value = Number((await bar.getAttribute('aria-valuenow').catch(() => null)) ?? -1);
          if (value >= 0) seen.add(value);
          return [...seen].filter((v) => v > 0 && v < 100).length;
        },
        { timeout: 30_000, intervals: [50] },
      )
      .toBeGreaterThanOrEqual(3);
    await expect(dash.cell(slow, 'Duration')).toHaveText(/^\d+(\.\d)? (ms|s)$/);

    await dash.expectCount('Completed', 3);
    await dash.expectCount('Active', 0);
    await dash.expectCount('All', 3);
    for (const ms of [2_500, 3_500, 4_500]) {
      const row = dash.rowWithResult(String(ms));
      await expect(dash.cell(row, 'State')).toHaveText('completed');
      await expect(dash.cell(row, 'Attempt')).toHaveText('1 / 1');
      await expect(dash.cell(row, 'Progress').getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
      await expect(dash.cell(row, 'Result or error')).toHaveText(String(ms));
      await expect(dash.cell(row, 'Ran by')).toHaveText('this tab');
      // At least the time it slept (`2.5 s`, or `12 s` on a busy machine).
      const duration = await dash.cell(row, 'Duration').textContent();
      expect(duration).toMatch(/^\d+(\.\d)? s$/);
      expect(Number(duration!.replace(' s', ''))).toBeGreaterThanOrEqual(ms / 1_000 - 0.05);
    }
    await expect(dash.host.locator('figcaption')).toContainText('3 completed, 0 failed');
    await expect(dash.host.locator('.plot canvas').first()).toBeVisible();
  });

  test('filters to the failed set, shows errors and stacks, retries one to completion, removes, retries all and cleans', async ({ page, browserName }) => {
    const queue = 'uploads'; // a context of its own per test: a plain name is safe, and it shows in the picture
    // maxStalls 0: a job whose worker dies once ends failed at once.
    let dash = await openDashboard(page, { queue, maxStalls: 0, concurrency: 2 });
    await page.getByRole('button', { name: 'Add a failing job' }).click();
    await page.getByRole('button', { name: 'Add a job that crashes its worker once' }).click();
    await page.getByRole('button', { name: 'Add a quick job' }).click();
    await dash.expectCount('Failed', 2);
    await dash.expectCount('Completed', 1);

    await dash.tile('Failed').click();
    await expect(dash.tile('Failed')).toHaveAttribute('aria-pressed', 'true');
    await expect(dash.host.getByRole('heading', { name: 'Failed jobs' })).toBeVisible();
    await expect(dash.rows).toHaveCount(2);

    const failing = dash.rowOf('fail');
    await expect(dash.cell(failing, 'State')).toHaveText('failed');
    await expect(dash.cell(failing, 'Attempt')).toHaveText('2 / 2');
    await expect(dash.cell(failing, 'Result or error')).toContainText('RangeError: disk is full');
    const stack = dash.cell(failing, 'Result or error').locator('details');
    await expect(stack.locator('pre')).toBeHidden();
    await stack.getByText('Stack and 2 runs').click();
    await expect(stack.locator('pre')).toBeVisible();
    await expect(stack.locator('pre')).toContainText('RangeError: disk is full');
    // The handler's frame, in the engine's own stack format: V8's `at fail (…/tasks.ts:40:9)`, Gecko's `fail/<@…/tasks.ts:40:9`.
    await expect(stack.locator('pre')).toContainText(browserName === 'chromium' ? /\bat\b.*tasks\.ts:\d+:\d+/ : /@.*tasks\.ts:\d+:\d+/);
    await expect(stack.getByRole('list', { name: 'Runs' }).getByRole('listitem')).toHaveText([
      'Run 1: failed: RangeError: disk is full',
      'Run 2: failed: RangeError: disk is full',
    ]);
    const crashed = dash.rowOf('misbehave');
    await expect(dash.cell(crashed, 'Result or error')).toContainText('WorkerCrashedError');
    await expect(dash.cell(crashed, 'Result or error')).toContainText('stalled once');
    await expect(dash.button(/^Retry all failed/)).toBeVisible();
    await expect(dash.button(/^Clean failed/)).toBeVisible();
    await dash.host.screenshot({ path: shot('dashboard-failed', browserName) });

    // The crash was a fluke the app has since allowed for (maxStalls 1): reload, retry it, watch it complete.
    dash = await openDashboard(page, { queue, maxStalls: 1, concurrency: 2 });
    await dash.tile('Failed').click();
    await expect(dash.rows).toHaveCount(2);
    await dash.rowOf('misbehave').getByRole('button', { name: /^Retry/ }).click();
    await expect(dash.host.getByRole('status').filter({ hasText: 'retried' })).toContainText(/Job \S+ retried\./);
    await expect(dash.rows).toHaveCount(1);
    await dash.expectCount('Failed', 1);
    await dash.expectCount('Completed', 2);
    await dash.tile('Completed').click();
    const recovered = dash.rowOf('misbehave');
    await expect(dash.cell(recovered, 'State')).toHaveText('completed');
    await expect(dash.cell(recovered, 'Result or error')).toHaveText('"recovered on attempt 2"');
    await expect(dash.cell(recovered, 'Ran by')).toHaveText('this tab');

    // Remove one.
    await dash.tile('Failed').click();
    await dash.rowOf('fail').getByRole('button', { name: /^Remove/ }).click();
    await dash.expectCount('Failed', 0);
    await expect(dash.table).toContainText('No failed jobs.');
    expect(await page.evaluate(() => window.dashboardPage.queue.counts())).toMatchObject({ failed: 0, completed: 2 });

    // Retry all, then clean (with a confirmation).
    await page.getByRole('button', { name: 'Add a failing job' }).click();
    await page.getByRole('button', { name: 'Add a failing job' }).click();
    await dash.expectCount('Failed', 2);
    await dash.button('Retry all failed').click();
    await expect(dash.host.getByRole('status').filter({ hasText: 'Retried' })).toHaveText('Retried 2 failed jobs.');
    await expect.poll(() => page.evaluate(async () => (await window.dashboardPage.queue.list({ state: 'failed' })).map((j) => j.history.length))).toEqual([4, 4]);
    await dash.expectCount('Failed', 2);
    await dash.button('Clean failed…').click();
    await expect(dash.host.getByRole('alert')).toHaveText('Delete all 2 failed jobs? This cannot be undone.');
    await expect(dash.button('Keep them')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dash.button('Clean failed…')).toBeFocused();
    await dash.expectCount('Failed', 2);
    await dash.button('Clean failed…').click();
    await dash.button('Delete 2 failed jobs').click();
    await dash.expectCount('Failed', 0);
    await expect(dash.host.getByRole('status').filter({ hasText: 'Deleted' })).toHaveText('Deleted 2 failed jobs.');
  });

  test('pages through 10,000 stored jobs, one page in the DOM at a time', async ({ page }) => {
    // No worker: the jobs stay waiting, in a known order.
    const dash = await openDashboard(page, { queue: uniqueQueue('dash-paging'), worker: false });
    await page.evaluate(() => window.dashboardPage.addMany(10_000, 1_000));
    await dash.expectCount('All', 10_000, 60_000);
    await dash.expectCount('Waiting', 10_000);

    const range = dash.host.locator('.pager .range');
    const ids = (from: number, to: number) => {
      const out: string[] = [];
      for (let n = from; n >= to; n--) out.push(`job-${String(n).padStart(5, '0')}`);
      return out;
    };
    // Newest first.
    await expect(range).toHaveText('1–25 of 10,000');
    expect(await dash.jobIds()).toEqual(ids(10_000, 9_976));
    await expect(dash.cell(dash.rows.first(), 'Result or error')).toHaveText('—');
    await expect(dash.cell(dash.rows.first(), 'State')).toHaveText('waiting');

    await dash.button('Next ›').click();
    await expect(range).toHaveText('26–50 of 10,000');
    expect(await dash.jobIds()).toEqual(ids(9_975, 9_951));

    // Straight to page 200, by its number.
    const started = Date.now();
    // Emptied first: over WebDriver BiDi (Firefox), Playwright's fill() types into a number input after what
    // it holds ("2" became "2200", past the last page, so the form refused to submit).
    await dash.host.getByLabel('Page', { exact: true }).clear();
    await dash.host.getByLabel('Page', { exact: true }).fill('200');
    await dash.host.getByLabel('Page', { exact: true }).press('Enter');
    await expect(range).toHaveText('4,976–5,000 of 10,000');
    const jumpMs = Date.now() - started;
    expect(await dash.jobIds()).toEqual(ids(5_025, 5_001));

    await dash.button('Last »').click();
    await expect(range).toHaveText('9,976–10,000 of 10,000');
    expect(await dash.jobIds()).toEqual(ids(25, 1));
    await expect(dash.button('Next ›')).toHaveAttribute('aria-disabled', 'true');

    // Only one page of rows is ever in the DOM.
    const rowsInDom = () => dash.host.evaluate((host) => host.shadowRoot!.querySelectorAll('tr[data-job-id]').length);
    expect(await rowsInDom()).toBe(25);
    await dash.host.getByLabel('Rows per page').selectOption('100');
    await expect(range).toHaveText('9,901–10,000 of 10,000');
    expect(await dash.jobIds()).toEqual(ids(100, 1));
    expect(await rowsInDom()).toBe(100);

    await dash.button('« First').click();
    await expect(range).toHaveText('1–100 of 10,000');
    expect(await dash.jobIds()).toEqual(ids(10_000, 9_901));

    await dash.tile('Completed').click();
    await expect(dash.table).toContainText('No completed jobs.');
    await expect(range).toHaveText('No jobs');
    expect(jumpMs).toBeLessThan(5_000);
  });

  test('pauses and resumes the queue', async ({ page }) => {
    const dash = await openDashboard(page, { queue: uniqueQueue('dash-pause') });
    await expect(dash.status).toHaveText('Running');
    await dash.button('Pause the queue').click();
    await expect(dash.status).toHaveText('Paused');
    await expect(dash.button('Resume the queue')).toBeVisible();
    await expect(dash.button('Resume the queue')).toBeFocused();
    expect(await page.evaluate(() => window.dashboardPage.queue.isPaused())).toBe(true);

    await page.getByRole('button', { name: 'Add a quick job' }).click();
    await dash.expectCount('Waiting', 1);
    await page.waitForTimeout(1_000);
    await dash.expectCount('Waiting', 1);
    await dash.expectCount('Completed', 0);

    await dash.button('Resume the queue').click();
    await expect(dash.status).toHaveText('Running');
    await dash.expectCount('Completed', 1);
    await dash.expectCount('Waiting', 0);
    expect(await page.evaluate(() => window.dashboardPage.queue.isPaused())).toBe(false);
  });

  test('<offthread-dashboard queue="name"> in another tab follows the runner tab, pauses it, and sees its schedules', async ({ context }) => {
    const queue = uniqueQueue('dash-element');
    const runnerPage = await context.newPage();
    const runner = await openDashboard(runnerPage, { queue, safetyRefreshMs: 1_000 });
    const viewerPage = await context.newPage();
    // The viewer page's own queue has no worker; the element makes a read-only queue from the attribute.
    const viewer = await openDashboard(viewerPage, { queue, worker: false, mode: 'element', safetyRefreshMs: 1_000 });
    expect(await viewerPage.evaluate(() => document.querySelector('offthread-dashboard')!.queue?.name)).toBe(queue);

    await runnerPage.getByRole('button', { name: 'Add a quick job' }).click();
    await viewer.expectCount('Completed', 1);
    await expect(viewer.cell(viewer.rows.first(), 'Ran by')).toHaveText('another tab');
    await expect(runner.cell(runner.rows.first(), 'Ran by')).toHaveText('this tab');
    await expect(viewer.cell(viewer.rows.first(), 'Result or error')).toHaveText('{"hello":"world"}');

    await runnerPage.getByRole('button', { name: 'Schedule a heartbeat' }).click();
    const schedule = viewer.host.locator('table.schedules tbody tr');
    await expect(schedule).toHaveCount(1);
    await expect(schedule).toContainText('heartbeat');
    await expect(schedule).toContainText('every 1 min');
    await expect(schedule.locator('time')).toHaveText(/^(in \d+ s|in 1 min) · /);

    await viewer.button('Pause the queue').click();
    await expect(viewer.status).toHaveText('Paused');
    await expect(runner.status).toHaveText('Paused');
    expect(await runnerPage.evaluate(() => window.dashboardPage.queue.isPaused())).toBe(true);
    await runner.button('Resume the queue').click();
    await expect(viewer.status).toHaveText('Running');

    // Taken out of the page, the element closes the queue it made.
    const left = await viewerPage.evaluate(async () => {
      const element = document.querySelector('offthread-dashboard')!;
      const made = element.queue!;
      window.dashboardPage.unmount();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = await made.counts().then(() => 'open', (error: Error) => error.name);
      return { queue: element.queue, closed };
    });
    expect(left).toEqual({ queue: undefined, closed: 'QueueClosedError' });
  });

  test('looks right (screenshot), is keyboard operable with a visible focus, and axe finds nothing serious', async ({ page, browserName }) => {
    await page.setViewportSize({ width: 1320, height: 1000 });
    // Each test has a browser context of its own, so a plain name is safe here (it shows in the picture).
    const dash = await openDashboard(page, { queue: 'images', concurrency: 3, chartMinutes: 1, pageSize: 10 });
    await page.getByRole('button', { name: 'Schedule a heartbeat' }).click();
    await page.getByRole('button', { name: 'Run a workload' }).click();
    // 8 waves of 7 jobs that complete, and 2 that fail.
    await dash.expectCount('Completed', 56, 60_000);
    await dash.expectCount('Failed', 2);
    await page.getByRole('button', { name: 'Add a failing job' }).click();
    await dash.expectCount('Failed', 3);
    await page.getByRole('button', { name: 'Add 3 slow jobs' }).click();
    await dash.expectCount('Active', 3);
    // The picture for the README: jobs under way beside finished and failed ones, the chart drawn.
    await expect(dash.rows.first().getByRole('progressbar')).toHaveAttribute('aria-valuenow', /^[3-9]\d$/, { timeout: 30_000 });
    await page.mouse.move(0, 0);
    await dash.host.screenshot({ path: shot('dashboard', browserName) });

    // Keyboard: from the app's last button, Tab reaches the dashboard's Pause button, then the state filters.
    await page.getByRole('button', { name: 'Run a workload' }).focus();
    await page.keyboard.press('Tab');
    await expect(dash.button('Pause the queue')).toBeFocused();
    const outline = await dash.host.evaluate((host) => {
      const active = host.shadowRoot!.activeElement as HTMLElement;
      const style = getComputedStyle(active);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), matches: active.matches(':focus-visible') };
    });
    expect(outline).toEqual({ style: 'solid', width: 3, matches: true });
    await page.keyboard.press('Tab');
    await expect(dash.tile('All')).toBeFocused();
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
    await expect(dash.tile('Failed')).toBeFocused();
    await page.keyboard.press('Space');
    await expect(dash.tile('Failed')).toHaveAttribute('aria-pressed', 'true');
    await expect(dash.host.getByRole('heading', { name: 'Failed jobs' })).toBeVisible();
    // Stack traces open from the keyboard.
    const summary = dash.rows.first().locator('summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    await expect(dash.rows.first().locator('details pre')).toBeVisible();
    expect(await axeProblems(page)).toEqual([]);

    await dash.button('Clean failed…').click();
    expect(await axeProblems(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await dash.tile('All').click();
    await expect(dash.rows.first()).toBeVisible();
    expect(await axeProblems(page)).toEqual([]);
  });
});

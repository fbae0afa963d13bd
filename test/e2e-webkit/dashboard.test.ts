// offthread/dashboard in WebKit, on its harness page (test/e2e/harness/dashboard.html), driven through the app's
// buttons: live counts, rows with states, attempts, results and who ran them; a screenshot of it goes to
// test/e2e/screenshots/webkit-dashboard.png.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { HARNESS_ORIGIN, pollUntil, uniqueQueue } from './support/harness';
import { WebKit, type Tab } from './support/webkit';

const PAGE_URL = `${HARNESS_ORIGIN}/test/e2e/harness/dashboard.html`;
const SCREENSHOT = 'test/e2e/screenshots/webkit-dashboard.png';

let webkit: WebKit;
beforeEach(async () => {
  webkit = await WebKit.start();
});
afterEach(async () => {
  await webkit?.end();
});

const TILES = ['all', 'waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'] as const;

/** The counts the dashboard's tiles show, by state (`all` is its "All" tile). */
function tiles(tab: Tab): Promise<Record<(typeof TILES)[number], number>> {
  return tab.evaluate((states: readonly string[]) => {
    const root = document.getElementById('dashboard')!.shadowRoot!;
    return Object.fromEntries(states.map((s) => [s, Number(root.querySelector(`.tile.s-${s} .tile-count`)?.textContent?.replace(/\D/g, '') || NaN)]));
  }, TILES) as Promise<Record<(typeof TILES)[number], number>>;
}

/** The table's rows as a person reads them: each cell's text, by column. */
function rows(tab: Tab) {
  return tab.evaluate(() =>
    [...document.getElementById('dashboard')!.shadowRoot!.querySelectorAll<HTMLElement>('table.jobs tbody tr[data-job-id]')].map((row) => {
      const cells = [...row.querySelectorAll(':scope > th, :scope > td')].map((cell) => cell.textContent?.trim() ?? '');
      return { job: cells[0]!, state: cells[1]!, attempt: cells[2]!, result: cells[5]!, ranBy: cells[6]! };
    }),
  );
}

test('the dashboard shows live counts, and for each job its state, attempts, result or error, and who ran it', { timeout: 300_000 }, async () => {
  const queue = uniqueQueue('wk-dash');
  // Three rows a page, so that the whole dashboard fits the window for its picture.
  await webkit.browser.setWindowSize(1320, 1000);
  const page = await webkit.open(`${PAGE_URL}?${new URLSearchParams({ queue, concurrency: '3', chartMinutes: '1', pageSize: '3' })}`);
  await page.waitFor(() => document.body.dataset.ready === 'true', []);
  await pollUntil(() => tiles(page), (t) => t.all === 0, { timeout: 30_000, what: 'the dashboard to read the empty queue' });

  await page.click('#add-quick');
  await page.click('#add-failing');
  await page.click('#add-crashing');
  const settled = await pollUntil(() => tiles(page), (t) => t.completed === 2 && t.failed === 1, { timeout: 60_000, what: '2 completed and 1 failed' });
  expect(settled).toEqual({ all: 3, waiting: 0, delayed: 0, active: 0, completed: 2, failed: 1, cancelled: 0 });
  const finished = await rows(page);
  const byName = (name: string) => finished.find((row) => row.job.includes(name));
  // "attempt / attempts": the job that crashed its worker once ran twice on its one attempt (a stall is not an attempt spent).
  expect(byName('echo')).toMatchObject({ state: 'completed', attempt: '1 / 1', result: '{"hello":"world"}', ranBy: 'this tab' });
  expect(byName('fail')).toMatchObject({ state: 'failed', attempt: '2 / 2', ranBy: 'this tab' });
  expect(byName('fail')!.result).toMatch(/^RangeError: disk is full.*Run 1: failed: RangeError: disk is full.*Run 2: failed: RangeError: disk is full$/s);
  expect(byName('misbehave')).toMatchObject({ state: 'completed', attempt: '2 / 1', result: '"recovered on attempt 2"', ranBy: 'this tab' });

  // A workload, so that the chart has something to draw: 8 waves of 7 jobs that complete, and 2 that fail.
  await page.click('#run-workload');
  await pollUntil(() => tiles(page), (t) => t.completed === 58 && t.failed === 3, { timeout: 120_000, what: 'the workload to finish' });
  // Jobs under way beside the finished ones, for the picture.
  await page.click('#add-sleepers');
  await pollUntil(() => tiles(page), (t) => t.active === 3, { timeout: 60_000, what: 'three jobs active' });
  await pollUntil(
    () => page.evaluate(() => Number(document.getElementById('dashboard')!.shadowRoot!.querySelector('table.jobs tbody tr [role="progressbar"]')?.getAttribute('aria-valuenow') ?? 0)),
    (value) => value >= 30,
    { timeout: 60_000, what: 'a progress bar a third of the way' },
  );
  // The chart drew its lines (uPlot, on a canvas): some of its pixels are not blank. Unless the browser's
  // language is no language tag (WebKitGTK says "C" under LANG=C), on which uPlot fails as it loads: then the
  // chart's box says so, and stays saying so (the error banner goes at the next refresh).
  const chart = await page.evaluate(() => {
    const root = document.getElementById('dashboard')!.shadowRoot!;
    const canvas = root.querySelector('canvas');
    let inked = 0;
    if (canvas) {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
    }
    let validLanguage = true;
    try {
      new Intl.NumberFormat(navigator.language);
    } catch {
      validLanguage = false;
    }
    return { language: navigator.language, validLanguage, inked, box: root.querySelector('.plot')!.textContent, summary: root.querySelector('.summary')!.textContent };
  });
  expect(chart.summary).toMatch(/^Last minute: \d+ completed, [1-3] failed/);
  if (chart.validLanguage) {
    expect(chart.inked).toBeGreaterThan(100);
  } else {
    expect(chart).toMatchObject({ inked: 0, box: `The chart could not be drawn: RangeError: invalid language tag: ${chart.language}` });
  }
  await page.evaluate(() => document.getElementById('dashboard')!.scrollIntoView());
  await page.screenshotElement('#dashboard', SCREENSHOT);
  await pollUntil(() => tiles(page), (t) => t.completed === 61, { timeout: 90_000, what: 'the slow jobs to complete' });
  expect(await tiles(page)).toEqual({ all: 64, waiting: 0, delayed: 0, active: 0, completed: 61, failed: 3, cancelled: 0 });
});

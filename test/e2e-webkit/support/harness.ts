// The harness pages of test/e2e/harness/ (the ones the Playwright specs use), opened in WebKit windows.
import type { RunEntry } from '../../e2e/harness/run-log';
import type { SwLogEntry } from '../../e2e/harness/sw-log';
import { HARNESS_URL, tabQuery, type TabParams } from '../../e2e/support/harness';
import { SW_PAGE_URL, swPageQuery, type SwPageParams } from '../../e2e/support/sw';
import type { Tab, WebKit } from './webkit';

export { HARNESS_ORIGIN, HARNESS_URL, uniqueQueue } from '../../e2e/support/harness';
export { runsOf } from '../../e2e/support/faults';
export type { RunEntry, SwLogEntry, SwPageParams, TabParams };

/** Opens a harness tab (test/e2e/harness/index.html) on `queue` in a new window; resolves once its queue exists. */
export async function openTab(webkit: WebKit, params: TabParams): Promise<Tab> {
  const tab = await webkit.open(`${HARNESS_URL}?${tabQuery(params)}`);
  await tab.waitFor(() => document.body.dataset.ready === 'true', [], { what: 'the harness page to be ready' });
  return tab;
}

/** Opens a sw-page (test/e2e/harness/sw-page.html); resolves once its queue exists and, unless `sw: false`, its service worker is activated. */
export async function openSwPage(webkit: WebKit, params: SwPageParams): Promise<Tab> {
  const tab = await webkit.open(`${SW_PAGE_URL}?${swPageQuery(params)}`);
  await tab.waitFor(() => document.body.dataset.ready === 'true', [], { what: 'the sw-page to be ready' });
  if (params.sw !== false) await tab.evaluate(() => window.swHarness.swActivated());
  return tab;
}

/** Every run in the origin's run log (written from inside the handlers), read through any page of the harness origin. */
export function readRunLog(tab: Tab): Promise<RunEntry[]> {
  return tab.evaluate(async () => {
    // (Not `import()` as written: Vitest rewrites that in the test's own source, which is what is sent.)
    const load = new Function('path', 'return import(path)') as (path: string) => Promise<typeof import('../../e2e/harness/run-log')>;
    return (await load('/test/e2e/harness/run-log.ts')).readRunLog();
  });
}

/** What the test service worker logged of its events (test/e2e/harness/sw-log.ts). */
export function readSwLog(tab: Tab): Promise<SwLogEntry[]> {
  return tab.evaluate(async () => {
    const load = new Function('path', 'return import(path)') as (path: string) => Promise<typeof import('../../e2e/harness/sw-log')>;
    return (await load('/test/e2e/harness/sw-log.ts')).readSwLog();
  });
}

/** How many contexts hold, and wait for, the runner lock of `queue` (seen from `tab`'s origin). */
export function runnerLockState(tab: Tab, queue: string): Promise<{ held: number; pending: number }> {
  return tab.evaluate(async (name: string) => {
    const snapshot = await navigator.locks.query();
    return {
      held: (snapshot.held ?? []).filter((lock) => lock.name === name).length,
      pending: (snapshot.pending ?? []).filter((lock) => lock.name === name).length,
    };
  }, `offthread:${queue}:runner`);
}

/** Polls `read` until `done(value)`; resolves with that value, or fails saying what it last saw. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, { timeout = 15_000, interval = 100, what = 'a condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

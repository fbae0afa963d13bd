import type { BrowserContext, Page } from '@playwright/test';

/** Where the harness pages are served: on a port playwright.config.ts picks for the run, or that you set. */
export const HARNESS_ORIGIN = harnessOrigin();

/** OFFTHREAD_HARNESS_ORIGIN, which playwright.config.ts sets before any spec loads. */
function harnessOrigin(): string {
  const origin = process.env.OFFTHREAD_HARNESS_ORIGIN;
  if (!origin) throw new Error('OFFTHREAD_HARNESS_ORIGIN is not set: run the end-to-end tests through playwright.config.ts (npm test -- e2e)');
  return origin;
}
export const HARNESS_URL = `${HARNESS_ORIGIN}/test/e2e/harness/index.html`;

/** What a harness tab is opened with (test/e2e/harness/index.html reads it from its query string). */
export interface TabParams {
  queue: string;
  tab: string;
  concurrency?: number;
  worker?: boolean;
  maxStalls?: number;
  storage?: 'indexeddb' | 'memory';
  /** Keep every finished job (retention off), for tests that count them all. */
  keepFinished?: boolean;
}

/** The query string of a harness tab: the Playwright specs and the WebKit tests open the same page with it. */
export function tabQuery(params: TabParams): URLSearchParams {
  const query = new URLSearchParams({ queue: params.queue, tab: params.tab });
  if (params.concurrency !== undefined) query.set('concurrency', String(params.concurrency));
  if (params.worker === false) query.set('worker', '0');
  if (params.maxStalls !== undefined) query.set('maxStalls', String(params.maxStalls));
  if (params.storage) query.set('storage', params.storage);
  if (params.keepFinished) query.set('retention', 'all');
  return query;
}

/** Opens a harness tab on `queue`, and waits until its queue exists. */
export async function openTab(context: BrowserContext, params: TabParams): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${HARNESS_URL}?${tabQuery(params)}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

/** A queue name no other test uses. */
export function uniqueQueue(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

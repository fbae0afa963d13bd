// Helpers for the service-worker and network tests: the harness page with a service worker
// (test/e2e/harness/sw-page.html), CDP commands of the ServiceWorker and Browser domains, and a local
// HTTP server for `ctx.fetch`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, CDPSession, Page } from '@playwright/test';
import type { RunEntry } from '../harness/run-log';
import type { SwLogEntry } from '../harness/sw-log';
import { HARNESS_ORIGIN } from './harness';

export type { RunEntry, SwLogEntry };

export const SW_PAGE_URL = `${HARNESS_ORIGIN}/test/e2e/harness/sw-page.html`;
/** The scope the test service worker registers with (the folder of its script). */
export const SW_SCOPE = `${HARNESS_ORIGIN}/test/e2e/harness/`;

export interface SwPageParams {
  queue: string;
  tab: string;
  concurrency?: number;
  /** false: no worker pool, so the page never runs the queue (it adds and listens). */
  worker?: boolean;
  /** false: no service worker. */
  sw?: boolean;
  /** Passed to the service worker's serveQueue. */
  budgetMs?: number;
  lockWaitMs?: number;
  swConcurrency?: number;
}

/** The query string of a sw-page; two pages with the same parameters register the same service worker. */
export function swPageQuery(params: SwPageParams): URLSearchParams {
  const query = new URLSearchParams({ queue: params.queue, tab: params.tab });
  if (params.concurrency !== undefined) query.set('concurrency', String(params.concurrency));
  if (params.worker === false) query.set('worker', '0');
  if (params.sw === false) query.set('sw', '0');
  for (const key of ['budgetMs', 'lockWaitMs', 'swConcurrency'] as const) {
    if (params[key] !== undefined) query.set(key, String(params[key]));
  }
  return query;
}

/**
 * Opens a sw-page on `queue`, and waits until its queue exists and (unless `sw: false`) its service worker is
 * activated. In a context where the service worker is not installed yet, open the first page that runs the
 * queue after {@link installSw}: while a tab runs the queue, a new service worker stays `activating` for up to
 * its `lockWaitMs` (see the fixme tests in service-worker.spec.ts).
 */
export async function openSwPage(context: BrowserContext, params: SwPageParams): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${SW_PAGE_URL}?${swPageQuery(params)}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  if (params.sw !== false) await page.evaluate(() => window.swHarness.swActivated());
  return page;
}

/**
 * Installs and activates the service worker that sw-pages with these parameters register, from a page that
 * does not run the queue (so activation does not wait for the queue's lock), then closes that page.
 */
export async function installSw(context: BrowserContext, params: SwPageParams): Promise<void> {
  const page = await openSwPage(context, { ...params, tab: 'installer', worker: false });
  await page.close();
}

/** A page of the harness origin that makes no queue: somewhere to read the logs from, and to attach CDP to. */
export async function openBlank(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${HARNESS_ORIGIN}/test/e2e/harness/blank.html`);
  return page;
}

/** Every run in the origin's run log (written from inside the handlers), read through any page of the origin. */
export function readRunLog(page: Page): Promise<RunEntry[]> {
  return page.evaluate(async () => {
    const { readRunLog } = (await import('/test/e2e/harness/run-log.ts' as string)) as typeof import('../harness/run-log');
    return readRunLog();
  });
}

/** What the test service worker logged of its events (see harness/sw-log.ts), read through any page of the origin. */
export function readSwLog(page: Page): Promise<SwLogEntry[]> {
  return page.evaluate(async () => {
    const { readSwLog } = (await import('/test/e2e/harness/sw-log.ts' as string)) as typeof import('../harness/sw-log');
    return readSwLog();
  });
}

export { runsOf } from './faults';

/** The sync tags of a queue, as the library makes them (src/sw/sync-tags.ts). */
export const syncTag = (queue: string) => `offthread:${queue}`;
export const periodicSyncTag = (queue: string) => `offthread:${queue}:periodic`;

/** CDP's ServiceWorker domain, through a page of the context (any page: the domain sees the whole profile). */
export class SwDevtools {
  readonly #cdp: CDPSession;
  readonly #registrations = new Map<string, { registrationId: string; scopeURL: string; isDeleted: boolean }>();
  readonly #versions = new Map<string, { versionId: string; registrationId: string; runningStatus: string; status: string; scriptURL: string }>();

  private constructor(cdp: CDPSession) {
    this.#cdp = cdp;
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      for (const r of registrations) this.#registrations.set(r.registrationId, r);
    });
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) this.#versions.set(v.versionId, v);
    });
  }

  static async attach(context: BrowserContext, page: Page): Promise<SwDevtools> {
    const cdp = await context.newCDPSession(page);
    const devtools = new SwDevtools(cdp);
    await cdp.send('ServiceWorker.enable');
    return devtools;
  }

  /** The registration id of the (live) registration at `scope`, once CDP has reported it. */
  async registrationId(scope = SW_SCOPE, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = [...this.#registrations.values()].find((r) => r.scopeURL === scope && !r.isDeleted);
      if (live) return live.registrationId;
      if (Date.now() > deadline) throw new Error(`No service worker registration at ${scope}; seen: ${JSON.stringify([...this.#registrations.values()])}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The running status of the registration's versions ('running', 'stopped', ...). */
  async runningStatus(scope = SW_SCOPE): Promise<string[]> {
    const id = await this.registrationId(scope);
    return [...this.#versions.values()].filter((v) => v.registrationId === id && v.status !== 'redundant').map((v) => v.runningStatus);
  }

  /** Fires a `sync` event (CDP `ServiceWorker.dispatchSyncEvent`); resolves once it is dispatched, not when it ends. */
  async dispatchSync(tag: string, lastChance = false): Promise<void> {
    await this.#cdp.send('ServiceWorker.dispatchSyncEvent', { origin: HARNESS_ORIGIN, registrationId: await this.registrationId(), tag, lastChance });
  }

  /** Fires a `periodicsync` event (CDP `ServiceWorker.dispatchPeriodicSyncEvent`). */
  async dispatchPeriodicSync(tag: string): Promise<void> {
    await this.#cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', { origin: HARNESS_ORIGIN, registrationId: await this.registrationId(), tag });
  }

  /** Stops every service worker of the profile at once (CDP `ServiceWorker.stopAllWorkers`): events in flight die with it. */
  async stopAllWorkers(): Promise<void> {
    await this.#cdp.send('ServiceWorker.stopAllWorkers');
  }

  async detach(): Promise<void> {
    await this.#cdp.detach().catch(() => {});
  }
}

/**
 * Grants Periodic Background Sync to the harness origin in `page`'s browser context (CDP `Browser.grantPermissions`
 * with the context's `browserContextId`). The grant lasts while the returned session is attached: Chromium drops
 * a DevTools client's permission overrides when it detaches.
 */
export async function grantPeriodicSync(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  const { targetInfo } = await cdp.send('Target.getTargetInfo');
  await cdp.detach();
  const browser = context.browser();
  if (!browser) throw new Error('no browser');
  const browserCdp = await browser.newBrowserCDPSession();
  await browserCdp.send('Browser.grantPermissions', {
    origin: HARNESS_ORIGIN,
    permissions: ['periodicBackgroundSync'],
    ...(targetInfo.browserContextId !== undefined && { browserContextId: targetInfo.browserContextId }),
  });
  return browserCdp;
}

/** One request the test server got. */
export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  /** Epoch ms. */
  at: number;
}

/** What the test server answers: a status, headers and a body. */
export interface Answer {
  /** `0`: no answer at all, the connection is dropped (the browser sees a network failure). */
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The requests so far (CORS preflights apart). */
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 and a random port, answering every request (but CORS preflights) with
 * `answer(request, n)` (n from 1), with `Access-Control-Allow-Origin: *`.
 */
export async function startTestServer(answer: (request: SeenRequest, n: number) => Answer): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
    'Access-Control-Allow-Headers': '*',
    'Access-Control-Expose-Headers': 'Retry-After',
    // Chromium's Private Network Access preflights (harmless if unused).
    'Access-Control-Allow-Private-Network': 'true',
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors).end();
        return;
      }
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(seen);
      const { status, headers = {}, body = '' } = answer(seen, requests.length);
      if (status === 0) return void req.socket.destroy();
      res.writeHead(status, { ...cors, 'Content-Type': 'text/plain', ...headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

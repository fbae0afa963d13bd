import type { Clock } from '../clock';
import type { JobRecord } from '../job/job';
import type { ScheduleInfo } from '../schedule/schedule';
import type { ServiceWorkerLink, ServiceWorkerSource } from './service-worker-link';

/** What of this tab's runner side hears of the page's lifecycle. */
export interface LifecycleRunner {
  networkBack(): void;
  leaving(leaving: boolean): void;
}

/** What the page's lifecycle asks of the service worker (a {@link ServiceWorkerLink}). */
export type SyncLink = Pick<ServiceWorkerLink, 'requestSync' | 'registerPeriodic' | 'registration'>;

/** Where the lifecycle's events come from. */
export interface PageEvents {
  /** `online`, `pagehide` and `pageshow`. */
  window: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | undefined;
  /** `visibilitychange`. */
  document: (Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & { readonly visibilityState: string }) | undefined;
  /** Whether the browser says it is offline. */
  isOffline(): boolean;
}

export interface PageLifecycleOptions {
  clock: Clock;
  /** This tab's runner side; none in a tab that runs nothing. */
  runner: LifecycleRunner | undefined;
  /** The network is back: network jobs may run again, wherever the queue's runner is. */
  online(): void;
  /** The service worker, when the queue has one (`undefined` in the end if it could not be had). */
  link: Promise<SyncLink | undefined> | undefined;
  onError(error: unknown): void;
  /** @default the page's own */
  events?: PageEvents;
}

/** The interval asked of Periodic Background Sync: the browser decides the real one (often hours). */
const PERIODIC_SYNC_MIN_MS = 60_000;
const PERIODIC_SYNC_CRON_MS = 3_600_000;
/** Sync requests made while adds keep coming: at most one this often, unless one must go. */
const SYNC_REQUEST_EVERY_MS = 1_000;

/**
 * The page's lifecycle, as the queue hears it: the network coming back, the page hiding or going away (into the
 * back/forward cache, or closing), and what the service worker is asked to do then. Time is the queue's clock.
 */
export class PageLifecycle {
  readonly #o: PageLifecycleOptions;
  readonly #events: PageEvents;
  #syncRequestedAt = -Infinity;

  constructor(options: PageLifecycleOptions) {
    this.#o = options;
    const events = (this.#events = options.events ?? pageEvents());
    events.window?.addEventListener('online', this.#onOnline);
    events.window?.addEventListener('pagehide', this.#onPageHide);
    events.window?.addEventListener('pageshow', this.#onPageShow);
    if (options.link) events.document?.addEventListener('visibilitychange', this.#onVisibility);
  }

  /** The service worker's registration, when the queue has one and registering worked. */
  get registration(): Promise<ServiceWorkerRegistration | undefined> {
    return this.#o.link?.then((link) => link?.registration) ?? Promise.resolve(undefined);
  }

  /**
   * Jobs were added here. The service worker takes over what is left once no tab runs the queue (or the network
   * is back): it is asked now, not only when the page hides, because a closing page's last requests often never
   * land. A network job added offline is what a sync is for: it is asked whatever was asked a moment ago.
   */
  added(jobs: readonly JobRecord[]): void {
    if (jobs.length > 0) this.#requestSync(this.#events.isOffline() && jobs.some((job) => job.requiresNetwork));
  }

  /** A schedule was made: where the page is installed and may, the service worker adds due slots while no page is open. */
  scheduled({ spec }: ScheduleInfo): void {
    const period = 'every' in spec ? spec.every : PERIODIC_SYNC_CRON_MS;
    void this.#o.link?.then((link) => link?.registerPeriodic(Math.max(period, PERIODIC_SYNC_MIN_MS)));
  }

  /** Stops listening. */
  close(): void {
    this.#events.window?.removeEventListener('online', this.#onOnline);
    this.#events.window?.removeEventListener('pagehide', this.#onPageHide);
    this.#events.window?.removeEventListener('pageshow', this.#onPageShow);
    this.#events.document?.removeEventListener('visibilitychange', this.#onVisibility);
  }

  readonly #onOnline = (): void => {
    this.#o.runner?.networkBack();
    this.#o.online();
    // Where Background Sync is missing (Safari, Firefox), nothing else tells the service worker that the network
    // is back: network jobs a page without a runner added offline would wait for the next page.
    this.#requestSync(true);
  };

  /**
   * The page is going away (or into the back/forward cache): this tab starts no more jobs until it is shown
   * again. Not only tidy: a closing page may still see events (an `online` one, say) and would take jobs it
   * dies holding.
   */
  readonly #onPageHide = (): void => this.#o.runner?.leaving(true);
  readonly #onPageShow = (): void => this.#o.runner?.leaving(false);

  /** The page hides (and may be closing): the service worker runs what is left once no tab does. */
  readonly #onVisibility = (): void => {
    if (this.#events.document?.visibilityState === 'hidden') this.#requestSync(true);
  };

  /** Asks the service worker to take over when it can; at most once a second while adds keep coming. */
  #requestSync(force: boolean): void {
    const { link, clock, onError } = this.#o;
    if (!link) return;
    const now = clock.now();
    if (!force && now - this.#syncRequestedAt < SYNC_REQUEST_EVERY_MS) return;
    this.#syncRequestedAt = now;
    link.then((sw) => sw?.requestSync()).catch(onError);
  }
}

/** The service worker link, loaded with `import()` (with workbox-window) by the queues given a `serviceWorker`. */
export function loadServiceWorkerLink(queue: string, source: ServiceWorkerSource, onError: (error: unknown) => void): Promise<SyncLink | undefined> {
  return import('./service-worker-link').then(({ ServiceWorkerLink }) => new ServiceWorkerLink(queue, source, onError), (error: unknown) => void onError(error));
}

function pageEvents(): PageEvents {
  return {
    window: typeof globalThis.addEventListener === 'function' ? globalThis : undefined,
    document: globalThis.document,
    isOffline: () => typeof navigator !== 'undefined' && navigator.onLine === false,
  };
}

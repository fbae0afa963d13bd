import type { BackoffOptions } from './job';

/** A task's defaults, for every job of it: options given to `add` win. */
export interface TaskOptions {
  /**
   * Jobs of this task need the network: while the browser is offline they wait, without spending attempts,
   * and run when it is back (in a page, or in the service worker's `sync` event).
   * @default false
   */
  requiresNetwork?: boolean;
  /**
   * Whether the service worker may run this task when no page is open. Say `false` for tasks that need
   * what a service worker lacks (DOM-ish APIs, `OffscreenCanvas` in some browsers, long CPU work).
   * @default true
   */
  serviceWorker?: boolean;
  /** @default 1 */
  attempts?: number;
  backoff?: BackoffOptions | number;
  /** Milliseconds; see `JobOptions.timeout`. */
  timeout?: number;
}

import { periodicSyncTag, syncTag, type DrainMessage } from '../sw/sync-tags';

/** Where the queue's service worker comes from: a script URL (registered as a module), or a registration. */
export type ServiceWorkerSource = string | URL | ServiceWorkerRegistration | Promise<ServiceWorkerRegistration>;

// Background Sync and Periodic Background Sync are missing from TypeScript's DOM lib.
interface SyncManagerLike {
  register(tag: string): Promise<void>;
}
interface PeriodicSyncManagerLike {
  register(tag: string, options: { minInterval: number }): Promise<void>;
}
type RegistrationWithSync = ServiceWorkerRegistration & { sync?: SyncManagerLike; periodicSync?: PeriodicSyncManagerLike };

/**
 * The page's side of the service worker: registers it (through workbox-window, loaded only then), and asks
 * it to run the queue when the page hides or a network job waits for the network: by Background Sync
 * where there is one, else by a message the service worker can act on after the page is gone.
 */
export class ServiceWorkerLink {
  readonly #queue: string;
  readonly #registration: Promise<RegistrationWithSync | undefined>;

  constructor(queue: string, source: ServiceWorkerSource, onError: (error: unknown) => void) {
    this.#queue = queue;
    this.#registration = register(source).catch((error: unknown) => {
      onError(error);
      return undefined;
    });
  }

  /** The registration, once registered; `undefined` if registering failed (reported as a queue `error`). */
  get registration(): Promise<ServiceWorkerRegistration | undefined> {
    return this.#registration;
  }

  /** Asks the service worker to run the queue when it can (now if no tab runs it, or when the network is back). */
  async requestSync(): Promise<'sync' | 'message' | 'none'> {
    const registration = await this.#registration;
    if (!registration) return 'none';
    if (registration.sync) {
      await registration.sync.register(syncTag(this.#queue));
      return 'sync';
    }
    const worker = registration.active ?? navigator.serviceWorker?.controller;
    if (!worker) return 'none';
    const message: DrainMessage = { type: 'offthread:drain', queue: this.#queue };
    worker.postMessage(message);
    return 'message';
  }

  /**
   * Registers Periodic Background Sync (installed web apps, with the permission granted), so that the
   * service worker turns due schedule slots into jobs while no page is open. Resolves whether it could.
   */
  async registerPeriodic(minIntervalMs: number): Promise<boolean> {
    const registration = await this.#registration;
    if (!registration?.periodicSync) return false;
    try {
      const status = await navigator.permissions.query({ name: 'periodic-background-sync' as PermissionName });
      if (status.state !== 'granted') return false;
      await registration.periodicSync.register(periodicSyncTag(this.#queue), { minInterval: minIntervalMs });
      return true;
    } catch {
      return false;
    }
  }
}

async function register(source: ServiceWorkerSource): Promise<RegistrationWithSync> {
  if (typeof source !== 'string' && !(source instanceof URL)) return source;
  if (typeof navigator === 'undefined' || !navigator.serviceWorker) {
    throw new Error('Service workers are not available here (a secure context is needed: https or localhost)');
  }
  const { Workbox } = await import('workbox-window');
  const workbox = new Workbox(String(source), { type: 'module' });
  const registration = await workbox.register();
  if (!registration) throw new Error(`The service worker ${String(source)} could not be registered`);
  return registration;
}

/** The Background Sync tag of a queue: registered by pages, handled by `serveQueue`. */
export function syncTag(queue: string): string {
  return `offthread:${queue}`;
}

/** The Periodic Background Sync tag of a queue. */
export function periodicSyncTag(queue: string): string {
  return `offthread:${queue}:periodic`;
}

/** What a closing page posts to the service worker where Background Sync is missing. */
export interface DrainMessage {
  type: 'offthread:drain';
  queue: string;
}

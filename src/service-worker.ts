/**
 * offthread/service-worker: runs a queue in the service worker while no page does.
 * @packageDocumentation
 */
export { serveQueue, drainQueue } from './sw/serve-queue';
export type { DrainReport, ServeQueueOptions } from './sw/serve-queue';

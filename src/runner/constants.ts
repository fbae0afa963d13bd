/**
 * The runner's defaults, shared by the page (`createQueue`'s options) and the service worker (`serveQueue`):
 * one place, so that both run jobs alike. A policy's own constants live beside it.
 */

/** A run's lease: how long its job stays claimed if its owner stops renewing it (and has no Web Lock). */
export const LEASE_MS = 30_000;
/** After a cancel, how long a handler has to stop before its worker is terminated. */
export const CANCEL_GRACE_MS = 1_000;
/** Runs a job may lose to a dying tab or worker before it fails. */
export const MAX_STALLS = 1;
/** How often other owners' runs are checked for a dead owner. */
export const RECLAIM_INTERVAL_MS = 5_000;
/** How often stored progress is brought up to date. */
export const PROGRESS_FLUSH_MS = 250;
/**
 * How long a network job's requests may keep getting no answer while the browser says it is online before
 * that counts as failing: its attempts are spent from then on (with its backoff), so a host that is down, a
 * wrong URL or a CORS refusal ends in the failed set rather than waiting forever. Offline, it waits for good.
 */
export const UNANSWERED_GRACE_MS = 15 * 60_000;

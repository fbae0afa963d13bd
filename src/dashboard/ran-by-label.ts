/**
 * Who ran a job, in words, from `JobInfo.ranBy`: `this tab` when it is `contextId` (the queue's
 * `contextId`), `another tab`, `service worker`, or `—` when no run has started.
 */
export function ranByLabel(ranBy: string | undefined, contextId: string): string {
  if (ranBy === undefined) return '—';
  if (ranBy === contextId) return 'this tab';
  if (ranBy === 'service-worker') return 'service worker';
  if (ranBy.startsWith('tab:')) return 'another tab';
  return ranBy;
}

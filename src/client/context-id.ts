import { newId } from '../job/new-id';

let contextId: string | undefined;

/**
 * This page's label, as the jobs it runs record it in `JobInfo.ranBy`, the same for every queue of the page
 * (made on first use, so that importing the module does nothing): 8 digits of a new id's random part (its first
 * 12 are the time, alike in tabs opened together).
 */
export function pageContextId(): string {
  contextId ??= `tab:${newId().slice(12, 20)}`;
  return contextId;
}

import { describe } from '../job/job-options';
import { resolveDashboardOptions, type DashboardOptions } from './dashboard-options';
import { isDashboardQueue, type DashboardQueue } from './dashboard-queue';
import { DashboardView } from './dashboard-view';

const mounted = new WeakMap<Element, () => void>();

/**
 * Shows a live dashboard of `queue` inside `element` (in a shadow root of its own, with its own styles):
 * counts per state, the jobs one page at a time with their progress, results and errors, retry, remove
 * and clean, pause and resume, schedules, and a throughput and latency chart. Returns a function that
 * takes it away and stops it following the queue. Mounting again into the same element replaces it.
 * @example
 * import { mountDashboard } from 'offthread/dashboard';
 * const unmount = mountDashboard(document.querySelector('#jobs')!, queue);
 */
export function mountDashboard(element: HTMLElement, queue: DashboardQueue, options: DashboardOptions = {}): () => void {
  if (typeof HTMLElement === 'undefined' || !(element instanceof HTMLElement)) {
    throw new TypeError(`Expected mountDashboard() to be given an HTML element, got ${describe(element)}`);
  }
  if (!isDashboardQueue(queue)) throw new TypeError(`Expected a queue made by createQueue(), got ${describe(queue)}`);
  const resolved = resolveDashboardOptions(options);
  mounted.get(element)?.();
  let root = element.shadowRoot;
  if (!root) {
    try {
      root = element.attachShadow({ mode: 'open' });
    } catch (error) {
      throw new TypeError(
        `Expected an element that can hold a shadow root (a <div>, a <section>, a custom element...), got <${element.localName}>`,
        { cause: error },
      );
    }
  }
  const view = new DashboardView(root, queue, resolved);
  view.start();
  const unmount = (): void => {
    if (mounted.get(element) === unmount) mounted.delete(element);
    view.dispose();
  };
  mounted.set(element, unmount);
  return unmount;
}

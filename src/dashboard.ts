/**
 * offthread/dashboard: a live view of a queue for the page, in its own entry so that the core does not
 * pay for it. Framework-free: a function that mounts it into an element, or a custom element.
 * @example
 * import { mountDashboard } from 'offthread/dashboard';
 * mountDashboard(document.querySelector('#jobs')!, queue);
 * @packageDocumentation
 */
export { mountDashboard } from './dashboard/mount-dashboard';
export { defineDashboardElement, OffthreadDashboardElement, DASHBOARD_TAG } from './dashboard/dashboard-element';
export type { DashboardOptions } from './dashboard/dashboard-options';
export type { DashboardQueue } from './dashboard/dashboard-queue';

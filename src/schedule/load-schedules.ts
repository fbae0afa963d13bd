/**
 * The page's schedule code, loaded with `import()` when first needed: once a schedule is made, or once the
 * tab that runs the queue finds one stored (by another tab, or an earlier session). Never imported by the
 * service worker, where `import()` is not allowed.
 */
export const loadSchedules = () => import('./page-schedules');

/** croner, loaded the first time a cron schedule is made or due (interval schedules never need it). */
export const loadCron = () => import('croner').then((module) => module.Cron);

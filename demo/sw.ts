// The demo's service worker: runs the 'demo' queue while no page does (Background Sync, where the browser
// has it), with the same tasks as the page's workers. Built as `sw.js` at the root of demo-dist/.
import { serveQueue } from 'offthread/service-worker';
import { tasks } from './tasks';

serveQueue({ queue: 'demo', tasks, maxStalls: 5 });

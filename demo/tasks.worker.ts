// The worker that runs the demo's tasks: the queue's pool makes one per concurrent job.
import { serveTasks } from 'offthread/worker';
import { tasks } from './tasks';

serveTasks(tasks);

import { serveTasks } from 'offthread/worker';
import { tasks } from './offthread-tasks';

serveTasks(tasks);

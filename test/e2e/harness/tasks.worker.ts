import { serveTasks } from '../../../src/worker';
import { tasks } from './tasks';

serveTasks(tasks);

import { serveTasks } from '../../../src/worker';
import { swTasks } from './network-tasks';

serveTasks(swTasks);

// workerpool: the tasks registered with workerpool.worker(); a transferred result is a workerpool Transfer.
import { Transfer, worker } from 'workerpool';
import { taskTable } from './tasks';

worker(taskTable((out, transfers) => new Transfer(out, transfers)));

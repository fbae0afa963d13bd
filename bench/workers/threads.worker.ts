// threads.js: the tasks exposed with expose(); a transferred result is marked with threads' Transfer.
import { expose, Transfer } from 'threads/worker';
import { taskTable } from './tasks';

expose(taskTable((out, transfers) => Transfer(out, transfers)));

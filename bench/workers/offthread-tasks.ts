// offthread: the same tasks, declared with defineTasks (imported by the worker; the page imports the type).
import { defineTasks, transfer } from 'offthread/worker';
import { taskTable } from './tasks';

export const tasks = defineTasks(taskTable(transfer));
export type BenchTasks = typeof tasks;

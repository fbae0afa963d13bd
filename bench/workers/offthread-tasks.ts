// offthread: the same tasks, declared with defineTasks (imported by the worker; the page imports the type).
import { defineTasks, transfer } from 'offthread/worker';
import { echo, inc, noop, spin, type Payload } from './tasks';

export const tasks = defineTasks({
  noop,
  inc,
  spin,
  echo,
  echoTransfer: (payload: Payload) => {
    const out = echo(payload);
    return transfer(out, [out.buf]);
  },
});
export type BenchTasks = typeof tasks;

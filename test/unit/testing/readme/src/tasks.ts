import { defineTasks } from 'offthread/worker';

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// Plain code, no DOM: the worker runs it; the page imports only its type.
export const tasks = defineTasks({
  fib: (n: number) => fib(n),
});
export type Tasks = typeof tasks;

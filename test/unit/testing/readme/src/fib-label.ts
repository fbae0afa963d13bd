import type { Queue } from 'offthread';
import type { Tasks } from './tasks';

// App code: queues a job and shows its result.
export async function fibLabel(queue: Queue<Tasks>, n: number): Promise<string> {
  const job = await queue.add('fib', n);
  return `fib(${n}) = ${await job.result}`;
}

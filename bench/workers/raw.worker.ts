// The floor: a hand-written worker on bare postMessage. A message is `[id, task, arg]` and the answer
// `[id, result]`; a batch is `[id, task, args[], true]`, answered with `[id, results[]]` in one message.
import { echo, TASKS, type Payload } from './tasks';

type Message = [id: number, task: keyof typeof TASKS | 'echoTransfer', arg: unknown, batch?: boolean];
const tasks = TASKS as unknown as Record<string, (arg: unknown) => unknown>;

self.onmessage = (event: MessageEvent<Message>) => {
  const [id, task, arg, batch] = event.data;
  if (task === 'echoTransfer') {
    const out = echo(arg as Payload);
    self.postMessage([id, out], { transfer: [out.buf] });
  } else if (batch) {
    const fn = tasks[task]!;
    self.postMessage([id, (arg as unknown[]).map((a) => fn(a))]);
  } else {
    self.postMessage([id, tasks[task]!(arg)]);
  }
};

// threads.js: the tasks exposed with expose(); a transferred result is marked with threads' Transfer.
import { expose, Transfer } from 'threads/worker';
import { echo, inc, noop, spin, type Payload } from './tasks';

expose({
  noop,
  inc,
  spin,
  echo,
  echoTransfer: (payload: Payload) => {
    const out = echo(payload);
    return Transfer(out, [out.buf]);
  },
});

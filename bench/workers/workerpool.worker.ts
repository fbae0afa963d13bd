// workerpool: the tasks registered with workerpool.worker(); a transferred result is a workerpool Transfer.
import { Transfer, worker } from 'workerpool';
import { echo, inc, noop, spin, type Payload } from './tasks';

worker({
  noop,
  inc,
  spin,
  echo,
  echoTransfer: (payload: Payload) => {
    const out = echo(payload);
    return new Transfer(out, [out.buf]);
  },
});

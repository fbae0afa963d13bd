// comlink: the tasks exposed as one object; a transferred result is marked with Comlink.transfer.
import * as Comlink from 'comlink';
import { echo, inc, noop, spin, type Payload } from './tasks';

const api = {
  noop,
  inc,
  spin,
  echo,
  echoTransfer: (payload: Payload) => {
    const out = echo(payload);
    return Comlink.transfer(out, [out.buf]);
  },
};
export type ComlinkApi = typeof api;
Comlink.expose(api);

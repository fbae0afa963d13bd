// comlink: the tasks exposed as one object; a transferred result is marked with Comlink.transfer.
import * as Comlink from 'comlink';
import { taskTable } from './tasks';

const api = taskTable((out, transfers) => Comlink.transfer(out, transfers));
export type ComlinkApi = typeof api;
Comlink.expose(api);

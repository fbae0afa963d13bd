// threads.js 1.7.0 ships types, but its package.json "exports" does not point at them: the little the bench uses.
declare module 'threads' {
  export function spawn<Api>(worker: Worker): Promise<Api>;
  export interface ThreadsPool<Api> {
    queue<Result>(task: (api: Api) => Promise<Result>): Promise<Result>;
    terminate(force?: boolean): Promise<void>;
  }
  export function Pool<Api>(spawnWorker: () => Promise<Api>, options?: { size?: number; concurrency?: number }): ThreadsPool<Api>;
  export function Transfer<T>(payload: T, transferables: Transferable[]): T;
}

declare module 'threads/worker' {
  export function expose(api: Record<string, (...args: never[]) => unknown>): void;
  export function Transfer<T>(payload: T, transferables: Transferable[]): T;
}

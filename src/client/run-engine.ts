/**
 * What a tab needs to run jobs, in one chunk that `RunnerTab` loads with `import()`: the page's first load
 * carries only the queue's API, and a queue that runs nothing here (no `worker`) never loads it.
 */
export { WorkerPool } from '../pool/worker-pool';
export { createRunner } from '../runner/create-runner';

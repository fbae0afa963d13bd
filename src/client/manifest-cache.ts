import { InvalidJobError } from '../errors';
import type { JobOptions } from '../job/job-options';
import type { JobStore } from '../store/job-store';
import { pickJobOptions } from '../task/define-tasks';
import type { TaskManifest } from '../task/task';

/** Whoever can ask a worker which tasks it serves (this tab's runner side). */
export interface TaskSource {
  tasks(): Promise<TaskManifest>;
}

/**
 * The tasks jobs may name, with their defaults. A tab with workers asks one of them once, and keeps the
 * answer in the store for tabs and threads without one; a tab without workers reads the store each time
 * (another tab may store it at any moment). A task's job defaults are picked out once per manifest.
 */
export class ManifestCache {
  readonly #workers: TaskSource | undefined;
  readonly #onError: (error: unknown) => void;
  #known: TaskManifest | undefined;
  #stored = false;
  #defaultsFor: TaskManifest | undefined;
  readonly #defaults = new Map<string, JobOptions | undefined>();

  constructor(workers: TaskSource | undefined, onError: (error: unknown) => void) {
    this.#workers = workers;
    this.#onError = onError;
  }

  /** The manifest, once a worker has said it here; `undefined` before (and always in a tab without workers). */
  get known(): TaskManifest | undefined {
    return this.#known;
  }

  /** Asks a worker (or, without one, the store); `undefined` if no worker has ever said. */
  async read(store: JobStore): Promise<TaskManifest | undefined> {
    if (!this.#workers) return (await store.getMeta('tasks')) as TaskManifest | undefined;
    const manifest = await this.#workers.tasks();
    this.#known = manifest;
    if (!this.#stored) {
      this.#stored = true;
      store.setMeta('tasks', manifest).catch(this.#onError);
    }
    return manifest;
  }

  /** A task's job defaults from the manifest; `undefined` when it has none. */
  defaultsOf(manifest: TaskManifest, name: string): JobOptions | undefined {
    if (manifest !== this.#defaultsFor) {
      this.#defaultsFor = manifest;
      this.#defaults.clear();
    }
    if (!this.#defaults.has(name)) {
      const picked = pickJobOptions(manifest[name]!);
      this.#defaults.set(name, Object.keys(picked).length > 0 ? picked : undefined);
    }
    return this.#defaults.get(name);
  }
}

/** Throws `InvalidJobError` unless the manifest has the task `name`; `where` says which job of a batch. */
export function checkTaskName(manifest: TaskManifest, name: string, where = ''): void {
  if (Object.hasOwn(manifest, name)) return;
  const known = Object.keys(manifest).map((n) => `"${n}"`).join(', ') || 'no tasks';
  throw new InvalidJobError(`Unknown task "${name}"${where}: the worker serves ${known}`);
}

import type { OwnerLocks } from '../../../src/runner/owner-watch';

/**
 * {@link OwnerLocks} as Web Locks would keep them, in memory: `hold` takes an owner's lock, `kill` frees it as
 * a closing tab would (its watchers are told). With `tells: false`, a context without Web Locks: nothing is
 * known of owners, and only lease expiry tells a dead one.
 */
export class FakeLocks implements OwnerLocks {
  /** Owners holding their lock now. */
  readonly held = new Set<string>();
  readonly #watchers = new Map<string, Array<() => void>>();
  readonly #tells: boolean;

  constructor({ tells = true }: { tells?: boolean } = {}) {
    this.#tells = tells;
  }

  hold(owner: string): Promise<() => void> {
    if (this.#tells) this.held.add(owner);
    return Promise.resolve(() => this.kill(owner));
  }

  live(): Promise<ReadonlySet<string> | undefined> {
    return Promise.resolve(this.#tells ? new Set(this.held) : undefined);
  }

  watch(owner: string, onDeath: () => void): void {
    if (!this.#tells) return;
    if (!this.held.has(owner)) return void queueMicrotask(onDeath);
    this.#watchers.set(owner, [...(this.#watchers.get(owner) ?? []), onDeath]);
  }

  /** `owner`'s context dies: its lock is free, and whoever waited for it is told. */
  kill(owner: string): void {
    this.held.delete(owner);
    const watchers = this.#watchers.get(owner) ?? [];
    this.#watchers.delete(owner);
    for (const onDeath of watchers) queueMicrotask(onDeath);
  }
}

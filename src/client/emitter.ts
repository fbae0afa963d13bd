/** A listener; what it returns is ignored. */
export type Listener<Payload> = (payload: Payload) => void;

/** Calls `listener` with `payload`. What it throws is its own: reported (as the browser reports an error in an event listener), never thrown at the caller. */
export function callListener<Payload>(listener: Listener<Payload>, payload: Payload): void {
  try {
    listener(payload);
  } catch (error) {
    if (typeof reportError === 'function') reportError(error);
    else console.error(error);
  }
}

/** Typed events. A listener that throws is reported, and does not stop the others. */
export class Emitter<Events> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`Expected a listener function for "${String(name)}", got ${typeof listener}`);
    }
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => void set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens, so that a payload nobody reads is not built. */
  has(name: keyof Events): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  emit<Name extends keyof Events>(name: Name, payload: Events[Name]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) callListener(listener as Listener<Events[Name]>, payload);
  }

  clear(): void {
    this.#listeners.clear();
  }
}

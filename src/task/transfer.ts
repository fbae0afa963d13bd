const marked = new WeakMap<object, Transferable[]>();

/**
 * Marks `value` to be moved, not copied, when it is posted to or from a worker: the listed
 * `transferables` (such as `ArrayBuffer`s) are detached on the sending side. Returns `value`.
 * @example
 * return transfer(out, [out.buffer]);
 */
export function transfer<T>(value: T, transferables: Transferable[]): T {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`Expected transfer() to be given an object or array, got ${value === null ? 'null' : typeof value}`);
  }
  if (!Array.isArray(transferables)) {
    throw new TypeError('Expected transfer() to be given an array of Transferables, as [buffer]');
  }
  marked.set(value, transferables);
  return value;
}

/** Whether `value` is marked with transferables (and keeps the mark). */
export function hasTransferables(value: unknown): boolean {
  return typeof value === 'object' && value !== null && marked.has(value);
}

/** The transferables `value` was marked with, once: the mark is taken off. */
export function takeTransferables(value: unknown): Transferable[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const list = marked.get(value);
  if (list) marked.delete(value);
  return list;
}

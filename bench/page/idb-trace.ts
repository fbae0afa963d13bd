// What the page asks of IndexedDB, request by request, for the bench's diagnosis (`--profile`): a CPU profile of
// the page does not see IndexedDB's backend, which runs in the browser process, so the page counts what it asks
// for instead. While on, every request made through IDBObjectStore and IDBIndex in this page (its realm only,
// not the workers') is counted by store, index and method, with the time from the call to its first `success`
// event, the rows a getAll/getAllKeys returned, and the steps its cursor took (continue, advance).

/** One kind of request: `jobs.put`, `jobs[finished].openKeyCursor`... */
export interface TracedRequest {
  calls: number;
  /** From the call to its (first) success event, summed. */
  ms: number;
  /** Rows returned (getAll, getAllKeys) or cursor steps taken, summed. */
  rows: number;
}

const METHODS = ['get', 'getKey', 'getAll', 'getAllKeys', 'count', 'openCursor', 'openKeyCursor', 'put', 'add', 'delete', 'clear'] as const;

type Patchable = Record<string, (...args: unknown[]) => IDBRequest>;

let traced: Map<string, TracedRequest> | undefined;
let restore: (() => void) | undefined;

function nameOf(source: IDBObjectStore | IDBIndex): string {
  return source instanceof IDBIndex ? `${source.objectStore.name}[${source.name}]` : source.name;
}

function entry(key: string): TracedRequest {
  let found = traced!.get(key);
  if (!found) traced!.set(key, (found = { calls: 0, ms: 0, rows: 0 }));
  return found;
}

/** Starts counting (a fresh count), patching the prototypes once. */
export function startIdbTrace(): void {
  traced = new Map();
  if (restore) return;
  const undo: (() => void)[] = [];
  for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype] as unknown as Patchable[]) {
    for (const method of METHODS) {
      const original = proto[method];
      if (typeof original !== 'function') continue;
      proto[method] = function (this: IDBObjectStore | IDBIndex, ...args: unknown[]) {
        const request = original.apply(this, args);
        if (traced) {
          const record = entry(`${nameOf(this)}.${method}`);
          record.calls++;
          const t0 = performance.now();
          request.addEventListener(
            'success',
            () => {
              record.ms += performance.now() - t0;
              if (Array.isArray(request.result)) record.rows += request.result.length;
            },
            { once: true },
          );
        }
        return request;
      };
      undo.push(() => (proto[method] = original));
    }
  }
  const cursor = IDBCursor.prototype as unknown as Record<'continue' | 'advance', (...args: unknown[]) => void>;
  for (const step of ['continue', 'advance'] as const) {
    const original = cursor[step];
    cursor[step] = function (this: IDBCursor, ...args: unknown[]) {
      if (traced) entry(`${nameOf(this.source as IDBObjectStore | IDBIndex)}.${this instanceof IDBCursorWithValue ? 'openCursor' : 'openKeyCursor'}`).rows += step === 'advance' ? Number(args[0]) : 1;
      original.apply(this, args);
    };
    undo.push(() => (cursor[step] = original));
  }
  restore = () => {
    for (const u of undo) u();
    restore = undefined;
  };
}

/** Stops counting, puts the prototypes back, and returns the counts by request kind. */
export function stopIdbTrace(): Record<string, TracedRequest> {
  const result = Object.fromEntries(traced ?? []);
  traced = undefined;
  restore?.();
  return result;
}

import { createQueue } from '../client/create-queue';
import type { Queue } from '../client/queue';
import type { QueueOptions } from '../client/queue-options';
import type { TaskMap } from '../task/task';

/** A queue shared by the components of a page that ask for it by name, closed once the last of them lets go. */
export interface SharedQueue {
  readonly queue: Queue<TaskMap>;
  /** Holders now: components mounted, scopes alive. */
  users: number;
  closed: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A queue nobody holds is closed this long after the last holder let go: StrictMode's mount, unmount and mount
 * again, or a route left and come back to, keep the same queue (and its workers) instead of closing and making
 * another.
 */
const RELEASE_MS = 0;
/** A queue made for a render that never committed (nobody ever held it) is closed after this. */
const UNHELD_MS = 1_000;

const shared = new Map<string, SharedQueue>();

/**
 * The page's queue named `options.name`, made from `options` the first time it is asked for (later options
 * for that name are not looked at): one per name, so one runner and one worker pool whatever asks for it. Made
 * unheld: {@link holdQueue} says someone uses it, or it is closed soon.
 */
export function sharedQueue(options: QueueOptions): SharedQueue {
  const name = (options as Partial<QueueOptions> | null | undefined)?.name;
  const known = typeof name === 'string' ? shared.get(name) : undefined;
  if (known) return known;
  const entry: SharedQueue = { queue: createQueue(options), users: 0, closed: false, timer: undefined };
  shared.set(entry.queue.name, entry);
  closeUnheld(entry, UNHELD_MS);
  return entry;
}

/** Someone uses `entry` from now on (a component mounted, a scope began); a queue closed meanwhile is made again. */
export function holdQueue(entry: SharedQueue, options: QueueOptions): SharedQueue {
  const held = entry.closed ? sharedQueue(options) : entry;
  held.users++;
  clearTimeout(held.timer);
  held.timer = undefined;
  return held;
}

/** One user of `entry` is done with it; the last one's going closes it (soon, unless someone holds it again). */
export function releaseQueue(entry: SharedQueue): void {
  if (--entry.users === 0) closeUnheld(entry, RELEASE_MS);
}

function closeUnheld(entry: SharedQueue, ms: number): void {
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    entry.timer = undefined;
    if (entry.users > 0 || entry.closed) return;
    entry.closed = true;
    if (shared.get(entry.queue.name) === entry) shared.delete(entry.queue.name);
    void entry.queue.close();
  }, ms);
}

import { serveTasksOn } from '../task/serve-tasks';
import { splitDefinition, type TaskMap } from '../task/task';

/** A port as Node has it too: `ref`/`unref` decide whether it keeps the process alive. */
type NodeishPort = MessagePort & { ref?(): void; unref?(): void };

/**
 * What a test queue's inline workers have in flight: messages posted on either side and not yet delivered.
 * While any is, the queue has not settled.
 */
export class InlineTraffic {
  inFlight = 0;
}

/**
 * A Worker-shaped object for the worker pool, served in this thread: one end of a `MessageChannel` for the
 * pool, the other served by `serveTasksOn`, the code a real worker runs. So everything between the page and
 * a worker (comlink, batches of runs, progress, structured clone of data and results) is the real path.
 *
 * What cannot be: `terminate()` cannot stop a handler that runs in this thread. It closes the ports (a late
 * result or progress goes nowhere) and aborts the `ctx.signal` of every run still going here, so handlers
 * that watch their signal stop; synchronous code that does not runs to its end.
 */
export class InlineWorker extends EventTarget {
  readonly #page: NodeishPort;
  readonly #worker: NodeishPort;
  readonly #traffic: InlineTraffic;
  readonly #stop = new AbortController();
  /** Messages of this worker posted and not delivered: they are never delivered once its ports close. */
  #inFlight = 0;

  constructor(tasks: TaskMap, traffic: InlineTraffic) {
    super();
    const { port1, port2 } = new MessageChannel();
    this.#page = port1;
    this.#worker = port2;
    this.#traffic = traffic;
    const delivered = (): void => this.#delivered();
    port1.addEventListener('message', delivered);
    port2.addEventListener('message', delivered);
    const workerSide = {
      postMessage: (message: unknown, transfer?: Transferable[]) => this.#post(port2, message, transfer),
      addEventListener: port2.addEventListener.bind(port2),
      removeEventListener: port2.removeEventListener.bind(port2),
      start: port2.start.bind(port2),
    };
    serveTasksOn(workerSide, stoppable(tasks, this.#stop.signal));
    port1.start();
    // Idle ports keep no Node process alive (a test that forgot `close()` still ends); busy ones do.
    this.#page.unref?.();
    this.#worker.unref?.();
  }

  postMessage(message: unknown, transfer?: Transferable[]): void {
    this.#post(this.#page, message, transfer);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    if (type !== 'message') super.addEventListener(type, listener, options);
    else if (listener) this.#page.addEventListener(type, listener, options);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
    if (type !== 'message') super.removeEventListener(type, listener, options);
    else if (listener) this.#page.removeEventListener(type, listener, options);
  }

  terminate(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort(new DOMException('The worker running this handler was terminated', 'AbortError'));
    this.#page.close();
    this.#worker.close();
    this.#traffic.inFlight -= this.#inFlight;
    this.#inFlight = 0;
  }

  #post(port: NodeishPort, message: unknown, transfer: Transferable[] | undefined): void {
    // A terminated worker's messages go nowhere, as a real one's would.
    if (this.#stop.signal.aborted) return;
    port.postMessage(message, transfer ?? []);
    this.#traffic.inFlight++;
    if (this.#inFlight++ === 0) {
      this.#page.ref?.();
      this.#worker.ref?.();
    }
  }

  #delivered(): void {
    if (this.#inFlight === 0) return;
    this.#traffic.inFlight--;
    if (--this.#inFlight === 0) {
      this.#page.unref?.();
      this.#worker.unref?.();
    }
  }
}

/**
 * `tasks`, each handler given a `ctx.signal` that also aborts on `stop` (its worker terminated), with the same
 * defaults. The signal of `ctx.fetch` is the run's own: a fetch under way when its worker is terminated goes on.
 */
function stoppable(tasks: TaskMap, stop: AbortSignal): TaskMap {
  const wrapped: TaskMap = {};
  for (const [name, definition] of Object.entries(tasks)) {
    const { run, options } = splitDefinition(definition);
    wrapped[name] = { ...options, run: (data: never, ctx) => run(data, { ...ctx, signal: AbortSignal.any([ctx.signal, stop]) }) };
  }
  return wrapped;
}

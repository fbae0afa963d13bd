import { createQueue } from '../client/create-queue';
import { JOB_STATES, type JobState, type LifeState } from '../job/job';
import { describe } from '../job/job-options';
import { resolveDashboardOptions } from './dashboard-options';
import { isDashboardQueue, type DashboardQueue } from './dashboard-queue';
import { DashboardView } from './dashboard-view';

// Importing this module where there is no DOM (server rendering, a test in Node) must not throw.
const ElementBase = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement;

/** The tag name `defineDashboardElement()` registers unless told another. */
export const DASHBOARD_TAG = 'offthread-dashboard';

/**
 * `<offthread-dashboard>`: the dashboard as a custom element. Give it a queue in one of two ways:
 * - the `queue` property, `el.queue = queue`: the page's own queue (jobs it runs show as "this tab");
 * - the `queue` attribute, `<offthread-dashboard queue="images">`: the element makes a read-only queue of
 *   that name (`createQueue({ name })`, with no worker: it lists, listens, retries, removes, pauses, and
 *   never runs a job), and closes it when it leaves the page. Jobs run by the page's own queue then show
 *   as "another tab", since that is another queue object.
 * The property wins over the attribute. Other attributes: `state` (the state listed at first),
 * `page-size`, `chart-minutes`, `safety-refresh-ms` (see `DashboardOptions`).
 * @example
 * defineDashboardElement();
 * document.body.insertAdjacentHTML('beforeend', '<offthread-dashboard queue="images"></offthread-dashboard>');
 */
export class OffthreadDashboardElement extends ElementBase {
  static readonly observedAttributes = ['queue', 'state', 'page-size', 'chart-minutes', 'safety-refresh-ms'];
  #given: DashboardQueue | undefined;
  #owned: DashboardQueue | undefined;
  #view: DashboardView | undefined;
  #renderQueued = false;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
  }

  /** The queue shown: the one given to this property, else the read-only one made from the `queue` attribute. */
  get queue(): DashboardQueue | undefined {
    return this.#given ?? this.#owned;
  }

  set queue(queue: DashboardQueue | undefined | null) {
    if (queue !== undefined && queue !== null && !isDashboardQueue(queue)) {
      throw new TypeError(`Expected the dashboard's \`queue\` to be a queue made by createQueue(), got ${describe(queue)}`);
    }
    this.#given = queue ?? undefined;
    this.#queueRender();
  }

  connectedCallback(): void {
    // A `queue` set on the element before this class was defined is an own property hiding the setter.
    if (Object.hasOwn(this, 'queue')) {
      const queue = (this as { queue?: DashboardQueue }).queue;
      delete (this as { queue?: DashboardQueue }).queue;
      this.queue = queue;
    } else this.#queueRender();
  }

  disconnectedCallback(): void {
    this.#queueRender();
  }

  attributeChangedCallback(): void {
    this.#queueRender();
  }

  /**
   * Renders once for a burst of changes: the parser's attributes one by one, or a move in the page
   * (disconnected, then connected again), which keeps the queue it made.
   */
  #queueRender(): void {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    queueMicrotask(() => {
      this.#renderQueued = false;
      this.#render();
    });
  }

  #render(): void {
    this.#view?.dispose();
    this.#view = undefined;
    const name = this.getAttribute('queue');
    const wanted = this.isConnected && !this.#given && name ? name : undefined;
    if (this.#owned && this.#owned.name !== wanted) {
      void this.#owned.close().catch(() => undefined);
      this.#owned = undefined;
    }
    if (!this.isConnected) return;
    if (wanted && !this.#owned) this.#owned = createQueue({ name: wanted });
    const queue = this.#given ?? this.#owned;
    if (!queue) {
      this.shadowRoot!.textContent = 'No queue: set the queue attribute (a queue name) or the queue property (a queue).';
      return;
    }
    this.shadowRoot!.textContent = '';
    this.#view = new DashboardView(this.shadowRoot!, queue, this.#options());
    this.#view.start();
  }

  /** Options from the attributes; one that makes no sense is left at its default. */
  #options(): ReturnType<typeof resolveDashboardOptions> {
    const number = (attribute: string) => {
      const value = this.getAttribute(attribute);
      return value === null || value.trim() === '' || !Number.isFinite(Number(value)) ? undefined : Number(value);
    };
    const state = this.getAttribute('state');
    const defaults = resolveDashboardOptions();
    const pick = <T>(make: () => T, fallback: T): T => {
      try {
        return make();
      } catch {
        return fallback;
      }
    };
    return {
      state: JOB_STATES.includes(state as LifeState) || state === 'corrupt' ? (state as JobState) : undefined,
      pageSize: pick(() => resolveDashboardOptions({ pageSize: number('page-size') }).pageSize, defaults.pageSize),
      chartMinutes: pick(() => resolveDashboardOptions({ chartMinutes: number('chart-minutes') }).chartMinutes, defaults.chartMinutes),
      safetyRefreshMs: pick(() => resolveDashboardOptions({ safetyRefreshMs: number('safety-refresh-ms') }).safetyRefreshMs, defaults.safetyRefreshMs),
    };
  }
}

/**
 * Registers `<offthread-dashboard>` (or `tagName`), once; returns its class. Call it before using the tag.
 * @example
 * import { defineDashboardElement } from 'offthread/dashboard';
 * defineDashboardElement();
 * // <offthread-dashboard queue="images"></offthread-dashboard>
 */
export function defineDashboardElement(tagName: string = DASHBOARD_TAG): typeof OffthreadDashboardElement {
  const existing = customElements.get(tagName);
  if (existing) return existing as typeof OffthreadDashboardElement;
  // A class can be registered under one name only: another name gets a subclass of its own.
  const element = tagName === DASHBOARD_TAG ? OffthreadDashboardElement : class extends OffthreadDashboardElement {};
  customElements.define(tagName, element);
  return element;
}

declare global {
  interface HTMLElementTagNameMap {
    'offthread-dashboard': OffthreadDashboardElement;
  }
}

import { PAGE_SIZES } from './dashboard-options';
import { h } from './h';

/** Where the reader is in a long list. */
export interface PageView {
  offset: number;
  pageSize: number;
  total: number;
}

/**
 * First, previous, page number, next and last, and the page size: moves through any number of jobs one
 * page at a time (only that page is ever read or in the DOM).
 */
export class Pager {
  readonly element: HTMLElement;
  readonly #range = h('span', { class: 'range' });
  readonly #page = h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric', name: 'page', class: 'page-input' });
  readonly #pages = h('span', { class: 'pages' });
  readonly #size = h('select', { name: 'page-size' }, ...PAGE_SIZES.map((n) => h('option', { value: n }, String(n))));
  readonly #buttons: Record<'first' | 'previous' | 'next' | 'last', HTMLButtonElement>;
  readonly #format = new Intl.NumberFormat();
  #view: PageView = { offset: 0, pageSize: 25, total: 0 };

  constructor(goTo: (offset: number) => void, setPageSize: (size: number) => void, id: string) {
    const go = (page: number) => goTo(Math.min(last(), Math.max(0, page)) * this.#view.pageSize);
    const page = () => Math.floor(this.#view.offset / this.#view.pageSize);
    const last = () => Math.max(0, Math.ceil(this.#view.total / this.#view.pageSize) - 1);
    this.#buttons = {
      first: h('button', { type: 'button', onclick: () => go(0) }, '« First'),
      previous: h('button', { type: 'button', onclick: () => go(page() - 1) }, '‹ Previous'),
      next: h('button', { type: 'button', onclick: () => go(page() + 1) }, 'Next ›'),
      last: h('button', { type: 'button', onclick: () => go(last()) }, 'Last »'),
    };
    this.#page.id = `${id}-page`;
    this.#size.id = `${id}-size`;
    const jump = h(
      'form',
      {
        class: 'jump',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const wanted = Math.round(Number(this.#page.value));
          if (Number.isFinite(wanted)) go(Math.min(last(), Math.max(1, wanted) - 1));
        },
      },
      h('label', { for: this.#page.id }, 'Page'),
      this.#page,
      this.#pages,
      h('button', { type: 'submit' }, 'Go'),
    );
    this.#size.addEventListener('change', () => setPageSize(Number(this.#size.value)));
    this.element = h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages of jobs' },
      this.#buttons.first,
      this.#buttons.previous,
      jump,
      this.#buttons.next,
      this.#buttons.last,
      h('span', { class: 'size' }, h('label', { for: this.#size.id }, 'Rows per page'), this.#size),
      this.#range,
    );
  }

  update(view: PageView): void {
    const previous = this.#view;
    this.#view = view;
    const { offset, pageSize, total } = view;
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const page = Math.floor(offset / pageSize) + 1;
    this.#range.textContent =
      total === 0 ? 'No jobs' : `${this.#format.format(offset + 1)}–${this.#format.format(Math.min(total, offset + pageSize))} of ${this.#format.format(total)}`;
    // Not while the reader is typing a page number (unless the page just changed).
    const root = this.#page.getRootNode() as Document | ShadowRoot;
    if (root.activeElement !== this.#page || offset !== previous.offset || pageSize !== previous.pageSize) this.#page.value = String(page);
    this.#page.max = String(pages);
    this.#pages.textContent = `of ${this.#format.format(pages)}`;
    if (!PAGE_SIZES.includes(pageSize as (typeof PAGE_SIZES)[number]) && !this.#size.querySelector(`option[value="${pageSize}"]`)) {
      this.#size.append(h('option', { value: pageSize }, String(pageSize)));
    }
    this.#size.value = String(pageSize);
    // aria-disabled, not disabled: a button that stops working under the focus (Next, on reaching the last
    // page) keeps the focus. Pressing it then goes nowhere, since offsets are clamped.
    for (const [name, off] of [['first', page <= 1], ['previous', page <= 1], ['next', page >= pages], ['last', page >= pages]] as const) {
      this.#buttons[name].setAttribute('aria-disabled', String(off));
    }
  }
}

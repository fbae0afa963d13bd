/** What `h` accepts as a child: nodes and text; `null`, `undefined` and `false` are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes (`class`, `aria-*`, ...) and `on<event>` listeners of an element made by `h`. */
export type Props = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/**
 * Makes an element with attributes, listeners and children: the dashboard's whole DOM toolkit.
 * `true` sets an empty attribute; `false`, `null` and `undefined` leave it out.
 * @example
 * h('button', { type: 'button', class: 'primary', onclick: () => go() }, 'Retry')
 */
export function h<Tag extends keyof HTMLElementTagNameMap>(tag: Tag, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(key, String(value));
  }
  element.append(...toNodes(children));
  return element;
}

/** Children as nodes, the skipped ones left out. */
export function toNodes(children: Child[]): Array<Node | string> {
  const nodes: Array<Node | string> = [];
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    nodes.push(typeof child === 'number' ? String(child) : child);
  }
  return nodes;
}

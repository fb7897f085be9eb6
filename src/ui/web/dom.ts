/** Tiny DOM helpers: the page is small enough that it needs no framework. */

/** A child `h` accepts: nodes, text, or nothing (skipped, for conditional children). */
export type Child = Node | string | null | undefined | false;

/** Attributes and listeners for {@link h}. */
export interface ElementSpec {
  /** Attributes; `true` sets an empty attribute, `false`, null and undefined leave it out. */
  [attribute: string]: string | number | boolean | null | undefined | ListenerSpec;
  /** Event listeners by event name. */
  on?: ListenerSpec;
}

/** Event listeners by event name, typed like `addEventListener`. */
export type ListenerSpec = {
  [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void;
};

/** Creates an element with attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  spec: ElementSpec = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(spec)) {
    if (name === 'on') continue;
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [event, listener] of Object.entries(spec.on ?? {})) {
    element.addEventListener(event, listener as EventListener);
  }
  append(element, children);
  return element;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The last segment of a '/'-separated relative path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The folder of a relative path; '' for the shared root. */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Joins a folder ('' for the root) and a relative name. */
export function joinPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

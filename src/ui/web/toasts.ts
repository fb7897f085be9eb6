import { h } from './dom.js';

/** How long an informational toast stays. */
export const INFO_TOAST_MS = 5000;

/** How long an error toast stays: longer, so that it can be read, but it still goes. */
export const ERROR_TOAST_MS = 10_000;

/** Most toasts on screen at once; the oldest go first. */
export const MAX_TOASTS = 5;

/** A toast's kind: `error` is announced at once and stays a little longer. */
export type ToastLevel = 'info' | 'error';

/**
 * Short dismissable messages in a corner: `notice` messages and the page's own failures. Each
 * fades after a few seconds (the pointer resting on it holds it), and a message already on
 * screen is not shown twice.
 */
export class Toasts {
  readonly #root: HTMLElement;

  constructor(root: HTMLElement) {
    this.#root = root;
    root.setAttribute('role', 'region');
    root.setAttribute('aria-label', 'Notifications');
  }

  show(level: ToastLevel, message: string): void {
    if (this.#find(message)) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => toast.remove(), level === 'info' ? INFO_TOAST_MS : ERROR_TOAST_MS);
    };
    const toast = h(
      'div',
      {
        class: `toast ${level}`,
        'data-testid': 'notice',
        'data-level': level,
        role: level === 'error' ? 'alert' : 'status',
        on: { mouseenter: () => clearTimeout(timer), mouseleave: wait },
      },
      h('p', { class: 'toast-text' }, message),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'Dismiss',
          title: 'Dismiss',
          on: { click: () => toast.remove() },
        },
        '×',
      ),
    );
    this.#root.append(toast);
    while (this.#root.children.length > MAX_TOASTS) this.#root.firstElementChild?.remove();
    wait();
  }

  /** Removes the toast showing exactly this message, if there is one. */
  dismiss(message: string): void {
    this.#find(message)?.remove();
  }

  /** Removes every toast (what they said no longer holds). */
  clear(): void {
    this.#root.replaceChildren();
  }

  #find(message: string): Element | undefined {
    return [...this.#root.children].find(
      (toast) => toast.querySelector('.toast-text')?.textContent === message,
    );
  }
}

import { h } from './dom.js';

/** How long an informational toast stays; errors stay until dismissed. */
export const INFO_TOAST_MS = 8000;

/** Most toasts on screen at once; the oldest go first. */
export const MAX_TOASTS = 5;

/** A toast's kind: `info` fades by itself, `error` waits to be dismissed. */
export type ToastLevel = 'info' | 'error';

/** Short dismissable messages in a corner: `notice` messages and the page's own failures. */
export class Toasts {
  readonly #root: HTMLElement;

  constructor(root: HTMLElement) {
    this.#root = root;
    root.setAttribute('role', 'region');
    root.setAttribute('aria-label', 'Notifications');
  }

  show(level: ToastLevel, message: string): void {
    const toast = h(
      'div',
      {
        class: `toast ${level}`,
        'data-testid': 'notice',
        'data-level': level,
        role: level === 'error' ? 'alert' : 'status',
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
    if (level === 'info') setTimeout(() => toast.remove(), INFO_TOAST_MS);
  }
}

import type { JoinRequestInfo, PageMessage } from '../protocol.js';
import { h } from './dom.js';

type Role = Extract<PageMessage, { t: 'approve' }>['role'];

/**
 * How long the dialog's buttons stay disabled each time it shows a request. Answering one
 * request brings up the next in the same place at once: without this pause the second click
 * of a double-click (or an impatient second click) would admit a guest whose PIN nobody read.
 */
export const JOIN_DIALOG_ARM_MS = 1000;

/**
 * Host only: waiting guests, one modal dialog at a time, showing the PIN large so that the
 * host can compare it with what the guest reads aloud. Escape puts the request aside (the
 * header's "waiting" button brings it back); it never answers it.
 */
export class JoinRequestDialog {
  readonly #send: (message: PageMessage) => boolean;
  readonly #onWaitingChange: (waiting: number) => void;
  #requests: JoinRequestInfo[] = [];
  /** Requests we answered; the agent's next `guests` drops them. */
  readonly #answered = new Set<string>();
  /** Requests put aside with Escape, until the person asks to see them again. */
  readonly #deferred = new Set<string>();
  #dialog: HTMLDialogElement | undefined;
  #current: string | undefined;

  constructor(send: (message: PageMessage) => boolean, onWaitingChange: (waiting: number) => void) {
    this.#send = send;
    this.#onWaitingChange = onWaitingChange;
  }

  /** The waiting guests from `guests.requests`. */
  update(requests: JoinRequestInfo[]): void {
    this.#requests = requests;
    const ids = new Set(requests.map((request) => request.id));
    for (const id of this.#answered) if (!ids.has(id)) this.#answered.delete(id);
    for (const id of this.#deferred) if (!ids.has(id)) this.#deferred.delete(id);
    if (this.#current !== undefined && !ids.has(this.#current)) this.#close();
    this.#showNext();
    this.#onWaitingChange(this.#waiting().length);
  }

  /** Shows the requests put aside again. */
  review(): void {
    this.#deferred.clear();
    this.#showNext();
  }

  /** Closes the dialog for good (the session ended). */
  clear(): void {
    this.#requests = [];
    this.#close();
    this.#onWaitingChange(0);
  }

  #waiting(): JoinRequestInfo[] {
    return this.#requests.filter((request) => !this.#answered.has(request.id));
  }

  #showNext(): void {
    if (this.#dialog) return;
    const next = this.#waiting().find((request) => !this.#deferred.has(request.id));
    if (next) this.#show(next);
  }

  #show(request: JoinRequestInfo): void {
    // Every action names the request shown now, never whichever is current when clicked.
    const id = request.id;
    let armed = false;
    const answer = (message: PageMessage): void => {
      if (!armed || this.#dialog !== dialog || this.#current !== id) return;
      if (!this.#send(message)) return;
      this.#answered.add(id);
      this.#close();
      this.#showNext();
      this.#onWaitingChange(this.#waiting().length);
    };
    const approve = (role: Role, label: string, primary = false) =>
      h(
        'button',
        {
          type: 'button',
          class: `button${primary ? ' primary' : ''}`,
          'data-testid': `approve-${role}`,
          'aria-label': `Approve as ${role}`,
          on: { click: () => answer({ t: 'approve', id, role }) },
        },
        label,
      );
    const heading = h(
      'h2',
      { id: 'join-request-title', class: 'dialog-title', tabindex: '-1', autofocus: true },
      'Join request',
    );
    const dialog = h(
      'dialog',
      {
        class: 'dialog join-request',
        'data-testid': 'join-request',
        'data-request-id': id,
        'aria-labelledby': 'join-request-title',
        'aria-describedby': 'join-request-hint',
      },
      heading,
      h(
        'p',
        { class: 'request-who' },
        h('span', { class: 'request-name', 'data-testid': 'request-name' }, request.name),
        h(
          'span',
          { class: 'muted' },
          request.via === 'relay' ? ' wants to join (via relay)' : ' wants to join (direct)',
        ),
      ),
      h(
        'p',
        { id: 'join-request-hint', class: 'dialog-text' },
        `Ask ${request.name} to read their PIN aloud. Admit them only if it is this one:`,
      ),
      h('div', { class: 'pin large', 'data-testid': 'request-pin' }, request.pin),
      h(
        'div',
        { class: 'fingerprint' },
        h('span', { class: 'muted small' }, 'Certificate fingerprint'),
        h('code', { 'data-testid': 'request-fingerprint' }, request.fingerprint),
      ),
      h(
        'div',
        { class: 'dialog-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'button danger-outline',
            'data-testid': 'deny',
            on: { click: () => answer({ t: 'deny', id }) },
          },
          'Deny',
        ),
        h('span', { class: 'spacer' }),
        h(
          'div',
          { class: 'approve-group', role: 'group', 'aria-label': 'Approve as' },
          h('span', { class: 'approve-label' }, 'Approve as'),
          approve('read-only', 'Read-only', true),
          approve('edit', 'Edit'),
          approve('full', 'Full'),
        ),
      ),
      h('p', { class: 'muted small dialog-foot' }, 'Esc: decide later'),
    );
    // Escape puts the request aside; the guest keeps waiting.
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      this.#deferred.add(id);
      this.#close();
      this.#showNext();
    });
    const buttons = [...dialog.querySelectorAll<HTMLButtonElement>('.dialog-actions button')];
    for (const button of buttons) button.disabled = true;
    setTimeout(() => {
      if (this.#dialog !== dialog) return;
      armed = true;
      for (const button of buttons) button.disabled = false;
    }, JOIN_DIALOG_ARM_MS);
    this.#dialog = dialog;
    this.#current = id;
    document.body.append(dialog);
    dialog.showModal();
    // Focus rests on the heading, not on a button: a host typing in the editor when the
    // request pops up must not approve it with the next Enter.
    heading.focus();
  }

  #close(): void {
    const dialog = this.#dialog;
    this.#dialog = undefined;
    this.#current = undefined;
    if (!dialog) return;
    dialog.close();
    dialog.remove();
  }
}

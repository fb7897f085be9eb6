import type { AppState } from '../protocol.js';
import { h, replaceChildren } from './dom.js';
import { icon } from './icons.js';
import { roleLabel } from './permissions.js';

/** What the header's buttons do. */
export interface HeaderActions {
  summon: () => void;
  end: () => void;
  leave: () => void;
  /** Shows the join requests put aside. */
  review: () => void;
  notify: (level: 'info' | 'error', message: string) => void;
}

/**
 * The top bar: session, who we are and our role, and the session's actions (host: copy link,
 * summon, end; guest: leave).
 */
export class Header {
  readonly #actions: HeaderActions;
  readonly #session = h('span', { class: 'session-name' });
  readonly #who = h('span', { class: 'who' });
  readonly #role = h('span', { class: 'badge role', 'data-testid': 'role' });
  readonly #hostActions: HTMLElement;
  readonly #guestActions: HTMLElement;
  readonly #waiting: HTMLButtonElement;
  readonly #linkBox: HTMLElement;
  readonly #linkInput: HTMLInputElement;
  #link = '';

  constructor(root: HTMLElement, actions: HeaderActions) {
    this.#actions = actions;
    this.#waiting = h(
      'button',
      {
        type: 'button',
        class: 'button small attention',
        'data-testid': 'requests-waiting',
        hidden: true,
        on: { click: () => actions.review() },
      },
      '',
    );
    this.#hostActions = h(
      'div',
      { class: 'actions', hidden: true },
      this.#waiting,
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          'data-testid': 'copy-link',
          on: { click: () => void this.#copyLink() },
        },
        icon('link'),
        'Copy join link',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          'data-testid': 'summon',
          title: 'Ask everyone to follow you',
          on: { click: () => actions.summon() },
        },
        icon('summon'),
        'Summon everyone',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button danger-outline',
          'data-testid': 'end-session',
          on: { click: () => actions.end() },
        },
        icon('power'),
        'End session',
      ),
    );
    this.#guestActions = h(
      'div',
      { class: 'actions', hidden: true },
      h(
        'button',
        {
          type: 'button',
          class: 'button danger-outline',
          'data-testid': 'leave',
          on: { click: () => actions.leave() },
        },
        icon('leave'),
        'Leave',
      ),
    );
    this.#linkInput = h('input', {
      type: 'text',
      class: 'text-input mono',
      readonly: true,
      'data-testid': 'link-input',
      'aria-label': 'Join link',
    });
    this.#linkBox = h(
      'div',
      { class: 'link-box', hidden: true, role: 'group', 'aria-label': 'Join link' },
      h(
        'span',
        { class: 'small' },
        'Copy this link (Ctrl+C) and send it over a channel you trust:',
      ),
      this.#linkInput,
      h(
        'button',
        {
          type: 'button',
          class: 'button small',
          on: { click: () => (this.#linkBox.hidden = true) },
        },
        'Done',
      ),
    );
    this.#linkInput.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' || event.key === 'Enter') this.#linkBox.hidden = true;
    });
    replaceChildren(
      root,
      h(
        'div',
        { class: 'brand' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }),
        h('span', { class: 'brand-name' }, 'Tandem'),
      ),
      this.#session,
      h('span', { class: 'identity' }, this.#who, this.#role),
      h('span', { class: 'spacer' }),
      this.#hostActions,
      this.#guestActions,
      this.#linkBox,
    );
  }

  update(state: AppState): void {
    document.title = state.sessionName ? `${state.sessionName} · Tandem` : 'Tandem';
    // The host's session carries the host's name; saying it twice says nothing.
    this.#session.hidden = state.sessionName === '' || state.sessionName === state.name;
    this.#session.textContent = state.sessionName;
    this.#session.title = `Session: ${state.sessionName}`;
    this.#who.textContent = state.name;
    this.#role.textContent = roleLabel(state.role);
    this.#role.dataset['role'] = state.role ?? 'none';
    const live = state.connection !== 'ended';
    this.#hostActions.hidden = state.kind !== 'host' || !live;
    this.#guestActions.hidden = state.kind !== 'guest' || !live;
    this.#link = state.link ?? '';
  }

  /** How many join requests wait (shown as a button that brings the dialog back). */
  setWaiting(count: number): void {
    this.#waiting.hidden = count === 0;
    this.#waiting.textContent = count === 1 ? '1 guest waiting' : `${count} guests waiting`;
  }

  async #copyLink(): Promise<void> {
    if (this.#link === '') {
      this.#actions.notify('error', 'There is no join link yet.');
      return;
    }
    try {
      await navigator.clipboard.writeText(this.#link);
      this.#actions.notify('info', 'Join link copied. Send it over a channel you trust.');
    } catch {
      // No clipboard access (permissions, an older browser): let the person copy it.
      this.#linkInput.value = this.#link;
      this.#linkBox.hidden = false;
      this.#linkInput.focus();
      this.#linkInput.select();
    }
  }
}

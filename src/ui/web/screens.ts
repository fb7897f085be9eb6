import type { AppState } from '../protocol.js';
import { h, replaceChildren } from './dom.js';

/**
 * The screens that stand in for the workspace: a guest connecting or waiting for the host
 * (with its PIN, large), and the overlay once the session is over for us.
 */
export class Screens {
  readonly #gate: HTMLElement;
  readonly #ended: HTMLElement;
  #shownGate = '';
  #endedDismissed = false;
  /** What the ended overlay shows now, so that it is not rebuilt (and refocused) needlessly. */
  #endedShown = '';

  /**
   * @param gate shown instead of the workspace while a guest is not admitted.
   * @param ended the overlay shown once the session ended.
   */
  constructor(gate: HTMLElement, ended: HTMLElement) {
    this.#gate = gate;
    this.#ended = ended;
  }

  /**
   * Shows what fits the state; returns whether the workspace is hidden behind the gate.
   * @param hasOpenFiles whether there are tabs worth reading after the end.
   */
  update(state: AppState | undefined, hasOpenFiles: boolean): boolean {
    this.#updateEnded(state, hasOpenFiles);
    const gate = gateFor(state);
    if (gate === '') {
      this.#gate.hidden = true;
      this.#shownGate = '';
      return false;
    }
    const key = `${gate}|${state?.pin ?? ''}|${state?.via ?? ''}|${state?.sessionName ?? ''}`;
    if (key !== this.#shownGate) {
      this.#shownGate = key;
      replaceChildren(this.#gate, gate === 'waiting' ? waiting(state!) : connecting(state));
    }
    this.#gate.hidden = false;
    return true;
  }

  #updateEnded(state: AppState | undefined, hasOpenFiles: boolean): void {
    if (state?.connection !== 'ended') {
      this.#ended.hidden = true;
      this.#endedDismissed = false;
      this.#endedShown = '';
      return;
    }
    const key = `${state.detail ?? ''}|${hasOpenFiles}`;
    if (this.#endedDismissed || key === this.#endedShown) return;
    this.#endedShown = key;
    const title =
      state.kind === 'host'
        ? 'The session has ended'
        : state.role === undefined
          ? 'You were not admitted'
          : 'The session is over for you';
    const close = h(
      'button',
      {
        type: 'button',
        class: 'button',
        on: {
          click: () => {
            this.#endedDismissed = true;
            this.#ended.hidden = true;
          },
        },
      },
      'Keep reading the open files',
    );
    replaceChildren(
      this.#ended,
      h(
        'div',
        {
          class: 'card ended-card',
          role: 'alertdialog',
          'aria-labelledby': 'ended-title',
          'aria-describedby': 'ended-detail',
        },
        h('h2', { id: 'ended-title' }, title),
        h(
          'p',
          { id: 'ended-detail', class: 'ended-detail', 'data-testid': 'ended-detail' },
          state.detail ?? 'The session ended.',
        ),
        h(
          'p',
          { class: 'muted' },
          hasOpenFiles
            ? 'You can close this tab. The open files stay readable here until you do.'
            : 'You can close this tab.',
        ),
        hasOpenFiles && close,
      ),
    );
    this.#ended.hidden = false;
    if (hasOpenFiles) close.focus();
  }
}

function gateFor(state: AppState | undefined): '' | 'connecting' | 'waiting' {
  if (!state) return 'connecting';
  if (state.kind === 'host') return '';
  if (state.connection === 'waiting') return 'waiting';
  // A guest that was never admitted has nothing to show behind the gate.
  if (state.role === undefined && state.connection !== 'ended') return 'connecting';
  return '';
}

function connecting(state: AppState | undefined): HTMLElement {
  return h(
    'div',
    { class: 'card gate-card' },
    h('div', { class: 'spinner', 'aria-hidden': 'true' }),
    h('h2', {}, state ? `Connecting to ${state.sessionName || 'the host'}…` : 'Connecting…'),
    h(
      'p',
      { class: 'muted' },
      state
        ? 'Checking that the host is the one named in your link.'
        : 'Waiting for the Tandem agent on this computer.',
    ),
  );
}

function waiting(state: AppState): HTMLElement {
  return h(
    'div',
    { class: 'card gate-card' },
    h('p', { class: 'eyebrow' }, `Joining ${state.sessionName || 'the session'}`),
    h('h2', {}, 'Read this PIN to the host'),
    h('div', { class: 'pin huge', 'data-testid': 'pin' }, state.pin ?? '— — —'),
    h(
      'p',
      { class: 'muted' },
      'The host sees the same PIN only if your connection reaches them untouched. ',
      'Once they check it, they admit you with a role.',
    ),
    h(
      'p',
      { class: 'waiting-line' },
      h('span', { class: 'spinner small', 'aria-hidden': 'true' }),
      'Waiting for the host to admit you…',
    ),
  );
}

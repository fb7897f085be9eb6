import type { AppState } from '../protocol.js';
import { h, replaceChildren } from './dom.js';

/** What the status bar shows. */
export interface StatusInfo {
  state: AppState | undefined;
  /** Whether the page's own socket to its agent is open. */
  agentOnline: boolean;
  /** Whether the agent counts as gone (see `AGENT_GONE_AFTER_FAILURES`): stopped or restarted. */
  agentGone?: boolean;
  participants: number;
  /** The active file's language and cursor, if a file is open. */
  file?: { language: string; line: number; column: number };
}

/**
 * The bottom bar. Its connection text always says how we are connected: it contains
 * "direct", "relay", "reconnecting" or "ended" in those states (the end-to-end tests rely on
 * these words).
 */
export class StatusBar {
  readonly #connection = h('span', {
    class: 'status-connection',
    'data-testid': 'connection',
    role: 'status',
  });
  readonly #people = h('span', { class: 'status-item' });
  readonly #file = h('span', { class: 'status-item' });

  constructor(root: HTMLElement) {
    replaceChildren(
      root,
      this.#connection,
      h('span', { class: 'spacer' }),
      this.#file,
      this.#people,
    );
  }

  update(info: StatusInfo): void {
    const { text, tone } = connectionText(info);
    this.#connection.textContent = text;
    this.#connection.dataset['tone'] = tone;
    this.#people.textContent =
      info.participants === 0
        ? ''
        : info.participants === 1
          ? '1 participant'
          : `${info.participants} participants`;
    this.#file.textContent = info.file
      ? `Ln ${info.file.line}, Col ${info.file.column}  ·  ${info.file.language}`
      : '';
  }
}

function connectionText(info: StatusInfo): { text: string; tone: 'ok' | 'busy' | 'bad' } {
  const state = info.state;
  if (state?.connection === 'ended') return { text: 'Session ended', tone: 'bad' };
  if (!info.agentOnline && info.agentGone) {
    return { text: 'The Tandem agent is gone; open the address it printed', tone: 'bad' };
  }
  if (!info.agentOnline) {
    return state
      ? { text: 'Lost the Tandem agent; reconnecting…', tone: 'bad' }
      : { text: 'Connecting to the Tandem agent…', tone: 'busy' };
  }
  if (!state) return { text: 'Connecting to the Tandem agent…', tone: 'busy' };
  const via = state.via === 'relay' ? 'via relay' : state.via === 'direct' ? 'direct' : '';
  switch (state.connection) {
    case 'connecting':
      return { text: 'Connecting to the host…', tone: 'busy' };
    case 'waiting':
      return { text: `Waiting for the host to admit you${via ? ` (${via})` : ''}`, tone: 'busy' };
    case 'reconnecting':
      return { text: 'Connection to the host lost; reconnecting…', tone: 'busy' };
    case 'connected':
      if (state.kind === 'host') return { text: 'Hosting', tone: 'ok' };
      return { text: via === '' ? 'Connected' : `Connected ${via}`, tone: 'ok' };
  }
}

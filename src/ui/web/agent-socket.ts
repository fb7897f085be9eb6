import type { AgentMessage, PageMessage } from '../protocol.js';

/** How long the page waits before dialling its agent again after losing it the first time. */
export const AGENT_RETRY_MS = 1000;

/** Longest wait between two attempts: the delay doubles after each failed one up to this. */
export const AGENT_RETRY_MAX_MS = 30_000;

/**
 * Failed attempts in a row after which the agent counts as gone: it stopped, or it restarted
 * with a new token (and usually a new port), so this page's address will never work again.
 */
export const AGENT_GONE_AFTER_FAILURES = 5;

/** Options for {@link AgentSocket}. */
export interface AgentSocketOptions {
  /** The agent's WebSocket address; the token in its path authenticates it. */
  url: string;
  /** Called with every well-formed message from the agent. */
  onMessage: (message: AgentMessage) => void;
  /** Called when the socket opens (true), or closes or fails to open (false). */
  onLink: (open: boolean) => void;
  /** Called once {@link AGENT_GONE_AFTER_FAILURES} attempts in a row have failed. */
  onGone: () => void;
  /** The first delay before dialling again; doubled after each failure. */
  retryMs?: number;
}

/**
 * Returns the address of the agent's WebSocket for a page at `pageUrl`: `ws` below the page's
 * own path, which carries the run's token (`http://127.0.0.1:PORT/TOKEN/` → `…/TOKEN/ws`).
 */
export function agentSocketUrl(pageUrl: string): string {
  const url = new URL('ws', pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}

/**
 * The page's one WebSocket to its own agent. After a loss it dials again, waiting longer after
 * each failure, because the agent may be restarting or the laptop waking up; after a few
 * failures in a row it reports the agent gone but keeps trying, slowly. {@link stop} ends that
 * once the session is over and the agent is expected to go away.
 */
export class AgentSocket {
  readonly #options: AgentSocketOptions;
  #socket: WebSocket | undefined;
  #open = false;
  #stopped = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: AgentSocketOptions) {
    this.#options = options;
    this.#connect();
  }

  /** Whether the socket is open now. */
  get open(): boolean {
    return this.#open;
  }

  /** Sends a message; returns false (and drops it) while the socket is down. */
  send(message: PageMessage): boolean {
    if (!this.#open || !this.#socket) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** Stops dialling again; an open socket stays open until the agent closes it. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
  }

  #connect(): void {
    const socket = new WebSocket(this.#options.url);
    this.#socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.#failures = 0;
      this.#open = true;
      this.#options.onLink(true);
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let message: AgentMessage;
      try {
        message = JSON.parse(event.data) as AgentMessage;
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null || typeof message.t !== 'string') return;
      this.#options.onMessage(message);
    });
    socket.addEventListener('close', () => {
      this.#open = false;
      this.#socket = undefined;
      this.#options.onLink(false);
      if (this.#stopped) return;
      // A socket that opened and then closed is a loss, not a failed attempt: start over.
      if (!opened && ++this.#failures === AGENT_GONE_AFTER_FAILURES) this.#options.onGone();
      const first = this.#options.retryMs ?? AGENT_RETRY_MS;
      const delay = Math.min(first * 2 ** Math.max(0, this.#failures - 1), AGENT_RETRY_MAX_MS);
      this.#retry = setTimeout(() => this.#connect(), delay);
    });
  }
}

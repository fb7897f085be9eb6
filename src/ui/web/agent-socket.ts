import type { AgentMessage, PageMessage } from '../protocol.js';

/** How long the page waits before dialling its agent again after losing it. */
export const AGENT_RETRY_MS = 2000;

/** Options for {@link AgentSocket}. */
export interface AgentSocketOptions {
  /** The agent's WebSocket address; the cookie set at `/?token=` authenticates it. */
  url: string;
  /** Called with every well-formed message from the agent. */
  onMessage: (message: AgentMessage) => void;
  /** Called when the socket opens (true), or closes or fails to open (false). */
  onLink: (open: boolean) => void;
  retryMs?: number;
}

/**
 * The page's one WebSocket to its own agent. It dials again every couple of seconds after a
 * loss, because the agent may be restarting or the laptop waking up; {@link stop} ends that
 * once the session is over and the agent is expected to go away.
 */
export class AgentSocket {
  readonly #options: AgentSocketOptions;
  #socket: WebSocket | undefined;
  #open = false;
  #stopped = false;
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
    socket.addEventListener('open', () => {
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
      if (!this.#stopped) {
        this.#retry = setTimeout(() => this.#connect(), this.#options.retryMs ?? AGENT_RETRY_MS);
      }
    });
  }
}

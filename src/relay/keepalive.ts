import { WebSocket } from 'ws';

/**
 * Pings tracked sockets every interval and terminates any that did not answer the previous ping,
 * so a peer whose network vanished does not hold a socket (or look present) forever.
 */
export class Keepalive {
  readonly #alive = new Map<WebSocket, boolean>();
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  /** Starts watching `ws` until it closes. */
  track(ws: WebSocket): void {
    this.#alive.set(ws, true);
    ws.on('pong', () => {
      if (this.#alive.has(ws)) this.#alive.set(ws, true);
    });
    ws.once('close', () => this.#alive.delete(ws));
  }

  /** Stops pinging; sockets are left as they are. */
  stop(): void {
    clearInterval(this.#timer);
    this.#alive.clear();
  }

  #tick(): void {
    for (const [ws, alive] of this.#alive) {
      if (!alive) {
        ws.terminate();
        continue;
      }
      this.#alive.set(ws, false);
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }
  }
}

/** Options for {@link HostPresenceMonitor}. */
export interface HostPresenceMonitorOptions {
  /** How long a session may be without its host's control connection. */
  graceMs: number;
  /** Called when a session's grace runs out. */
  onExpired(sessionId: string): void;
}

/**
 * Ends sessions whose host is gone: a grace timer runs from registration until the host's relay
 * control connection arrives, and again from whenever it drops until it comes back.
 */
export class HostPresenceMonitor {
  readonly #options: HostPresenceMonitorOptions;
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(options: HostPresenceMonitorOptions) {
    this.#options = options;
  }

  /** The host is not (or no longer) connected: start its grace period if not running. */
  hostAbsent(sessionId: string): void {
    if (this.#timers.has(sessionId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(sessionId);
      this.#options.onExpired(sessionId);
    }, this.#options.graceMs);
    timer.unref();
    this.#timers.set(sessionId, timer);
  }

  /** The host is connected: cancel its grace period. */
  hostPresent(sessionId: string): void {
    this.forget(sessionId);
  }

  /** Stops watching a session (it ended). */
  forget(sessionId: string): void {
    clearTimeout(this.#timers.get(sessionId));
    this.#timers.delete(sessionId);
  }

  /** Stops all timers. */
  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** First wait before reconnecting; short, since most drops are a relay or Wi-Fi blip. */
export const RECONNECT_MIN_DELAY_MS = 250;

/** Longest wait between attempts, so a guest returns soon after a long outage ends. */
export const RECONNECT_MAX_DELAY_MS = 10_000;

/** Give up after this long without a connection (a laptop asleep overnight). */
export const RECONNECT_GIVE_UP_MS = 30 * 60_000;

/** Options for a {@link ReconnectSchedule}. */
export interface ReconnectScheduleOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  giveUpMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Exponential backoff with jitter: the jitter keeps many guests of one session from
 * reconnecting in lockstep after a relay restart.
 */
export class ReconnectSchedule {
  readonly #min: number;
  readonly #max: number;
  readonly #deadline: number;
  readonly #now: () => number;
  #attempts = 0;

  constructor(options: ReconnectScheduleOptions = {}) {
    this.#min = options.minDelayMs ?? RECONNECT_MIN_DELAY_MS;
    this.#max = options.maxDelayMs ?? RECONNECT_MAX_DELAY_MS;
    this.#now = options.now ?? Date.now;
    this.#deadline = this.#now() + (options.giveUpMs ?? RECONNECT_GIVE_UP_MS);
  }

  /** Attempts made so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The wait before the next attempt, or undefined once it is time to give up. */
  next(): number | undefined {
    if (this.#now() >= this.#deadline) return undefined;
    const base = Math.min(this.#max, this.#min * 2 ** this.#attempts);
    this.#attempts += 1;
    return Math.round(base / 2 + Math.random() * (base / 2));
  }
}

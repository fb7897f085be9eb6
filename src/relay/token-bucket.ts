/** Options for {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens (bytes) added per second; also the burst size. */
  ratePerSecond: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/**
 * A token bucket that goes into debt instead of refusing: callers always send what they have and
 * then wait as long as the bucket says, so a rate limit delays bytes and never drops them.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    }
    this.#rate = options.ratePerSecond;
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#rate;
    this.#updatedAt = this.#now();
  }

  /**
   * Spends `count` tokens and returns how many milliseconds the caller should pause before the
   * next spend; 0 while the bucket is not in debt.
   */
  take(count: number): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#rate, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#tokens -= count;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#rate);
  }
}

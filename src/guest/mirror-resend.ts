/** Wait before sending again a change the host did not confirm in time, in milliseconds. */
export const MIRROR_RESEND_DELAY_MS = 5000;

/**
 * Most times one change the host did not confirm is sent again, in a row. Threat: a host that
 * never answers costing a file operation's timeout and a full copy of the file, forever.
 */
export const MAX_MIRROR_RESENDS = 3;

/**
 * The mirror's changes that the host did not confirm in time: each is kept in the mirror and
 * looked at again a little later, a few times in a row at most.
 */
export class MirrorResends {
  readonly #tries = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #retry: (path: string) => void;

  /** @param retry looks at a path again (and so sends its change again) */
  constructor(retry: (path: string) => void) {
    this.#retry = retry;
  }

  /** The change at `path` went through: a later failure starts counting afresh. */
  succeeded(path: string): void {
    this.#tries.delete(path);
  }

  /**
   * The host did not confirm the `op` of `path` in time: schedules another try, unless there
   * were enough. Returns what to tell the user.
   */
  unanswered(op: string, path: string): string {
    const tries = (this.#tries.get(path) ?? 0) + 1;
    const kept = `The host did not confirm the ${op} in time. Your change stays in the mirror`;
    if (tries > MAX_MIRROR_RESENDS) {
      this.#tries.delete(path);
      return `${kept}, not sent after ${MAX_MIRROR_RESENDS} more tries; save it again to retry.`;
    }
    this.#tries.set(path, tries);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#retry(path);
    }, MIRROR_RESEND_DELAY_MS);
    this.#timers.add(timer);
    return `${kept} and is sent again in ${Math.round(MIRROR_RESEND_DELAY_MS / 1000)} s.`;
  }

  /** Cancels every try still waiting. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

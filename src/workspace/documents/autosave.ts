/**
 * Default quiet period after the last edit before a document is saved, in milliseconds: long
 * enough to batch a burst of keystrokes into one write, short enough that little is at risk.
 */
export const AUTOSAVE_DEBOUNCE_MS = 300;

/**
 * Longest a document waits to be saved under continuous editing, in milliseconds. Threat: a
 * peer that never stops typing (or a script sending edits without pause) keeping every edit off
 * the disk, so that a crash of the host loses them all.
 */
export const AUTOSAVE_MAX_WAIT_MS = 2000;

/** First delay before a failed save is retried, in milliseconds; it doubles on each failure. */
export const SAVE_RETRY_BASE_MS = 500;

/**
 * Longest delay between retries of a failing save, in milliseconds. Threat: a full or read-only
 * disk hammered in a tight loop, flooding the log and burning CPU, while the edits wait in memory.
 */
export const SAVE_RETRY_MAX_MS = 30_000;

/**
 * When to save one document: after a quiet period, at the latest after a maximum wait, or at a
 * retry time after a failure (edits made meanwhile are saved by that retry).
 */
export class AutosaveTimer {
  readonly #run: () => void;
  readonly #debounceMs: number;
  readonly #maxWaitMs: number;
  #debounce: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;

  /**
   * @param run starts a save; called at most once per scheduled save
   * @param debounceMs quiet period after the last {@link touch}
   * @param maxWaitMs longest wait after the first {@link touch}
   */
  constructor(run: () => void, debounceMs: number, maxWaitMs: number) {
    this.#run = run;
    this.#debounceMs = debounceMs;
    this.#maxWaitMs = maxWaitMs;
  }

  /** Notes an edit: (re)starts the quiet period; the maximum wait runs from the first edit. */
  touch(): void {
    if (this.#retry !== undefined) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(this.#fire, this.#debounceMs);
    this.#deadline ??= setTimeout(this.#fire, this.#maxWaitMs);
  }

  /**
   * Replaces whatever is scheduled by one save in `delayMs`. The timer keeps the process alive on
   * purpose: edits that are only in memory must not vanish because nothing else is running.
   */
  retryIn(delayMs: number): void {
    this.cancel();
    this.#retry = setTimeout(this.#fire, delayMs);
  }

  /** Whether a retry after a failure is scheduled. */
  get retrying(): boolean {
    return this.#retry !== undefined;
  }

  /** Forgets everything scheduled. */
  cancel(): void {
    clearTimeout(this.#debounce);
    clearTimeout(this.#deadline);
    clearTimeout(this.#retry);
    this.#debounce = this.#deadline = this.#retry = undefined;
  }

  readonly #fire = (): void => {
    this.cancel();
    this.#run();
  };
}

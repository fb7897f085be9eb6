import { createHash } from 'node:crypto';
import { writeMirrorState, type MirrorStateData } from '../workspace/mirror-state.js';

/**
 * Quiet time before what the mirror knows is saved to its state folder, in milliseconds. A
 * crash loses at most this much of it, which is safe: a file the state does not describe is
 * compared with the host's and moved aside rather than overwritten when they differ.
 */
export const MIRROR_STATE_SAVE_DELAY_MS = 1000;

/** Options for a {@link MirrorStateSaver}. */
export interface MirrorStateSaverOptions {
  /** The mirror folder. */
  root: string;
  /** The session key, already hashed (see {@link hashSession}). */
  session: string;
  /** What to save now, or `undefined` while what the mirror knows is still partial. */
  collect: () => Omit<MirrorStateData, 'session'> | undefined;
  /** Receives failures to save; they cost no data, only the next run's shortcuts. */
  onError?: (error: unknown) => void;
}

/** The form a session is stored in: a hash, so that the state never holds the join link. */
export function hashSession(session: string): string {
  return createHash('sha256').update(`tandem-mirror\n${session}`).digest('hex');
}

/** Saves what a mirror knows into its state folder, one write for a burst of changes. */
export class MirrorStateSaver {
  readonly #options: MirrorStateSaverOptions;
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(options: MirrorStateSaverOptions) {
    this.#options = options;
  }

  /** Saves a little later, unless a save is already due. */
  soon(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.now();
    }, MIRROR_STATE_SAVE_DELAY_MS);
    this.#timer.unref();
  }

  /** Saves now (after any save under way); settles once written or failed. */
  now(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const known = this.#options.collect();
    if (known === undefined) return this.#saving;
    const state: MirrorStateData = { session: this.#options.session, ...known };
    this.#saving = this.#saving
      .then(() => writeMirrorState(this.#options.root, state))
      .catch((error: unknown) => this.#options.onError?.(error));
    return this.#saving;
  }
}

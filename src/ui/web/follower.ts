import type { ParticipantInfo } from '../protocol.js';

/** Options for {@link Follower}. */
export interface FollowerOptions {
  /** Tells the agent whom we follow, so others see it. */
  sendFollow: (clientId: number | null) => void;
  /** Shows a file (opening it if needed), without taking keyboard focus. */
  showFile: (path: string) => void;
  /** Scrolls a participant's cursor into view in a file's editor. */
  reveal: (path: string, cursor: unknown) => void;
  notify: (level: 'info' | 'error', message: string) => void;
  /** Whom we follow changed. */
  onChange: () => void;
}

/**
 * Following someone: whenever the one followed moves to another file we open it, and their
 * cursor is kept in view. The person may still look elsewhere; the next file change of the
 * one followed brings them back.
 */
export class Follower {
  readonly #options: FollowerOptions;
  #following: number | null = null;
  #lastFile: string | null | undefined;
  #lastCursor = '';
  #participants: ParticipantInfo[] = [];

  constructor(options: FollowerOptions) {
    this.#options = options;
  }

  get following(): number | null {
    return this.#following;
  }

  /** Starts following a participant (or stops, with null). */
  follow(clientId: number | null): void {
    if (clientId === this.#following) return;
    this.#following = clientId;
    this.#lastFile = undefined;
    this.#lastCursor = '';
    this.#options.sendFollow(clientId);
    this.#options.onChange();
    if (clientId !== null) this.#track();
  }

  /** Everyone's presence, as it arrives. */
  presence(participants: ParticipantInfo[]): void {
    this.#participants = participants;
    if (this.#following !== null) this.#track();
  }

  #track(): void {
    const leader = this.#participants.find((p) => p.clientId === this.#following);
    if (!leader) {
      // They left (or have not arrived in our list yet, right after a summon).
      if (this.#participants.length > 0 && this.#lastFile !== undefined) {
        this.#options.notify('info', 'The participant you followed has left.');
        this.follow(null);
      }
      return;
    }
    if (leader.self) {
      this.follow(null);
      return;
    }
    if (leader.file !== this.#lastFile) {
      this.#lastFile = leader.file;
      this.#lastCursor = '';
      if (leader.file !== null) this.#options.showFile(leader.file);
    }
    const cursor = JSON.stringify(leader.cursor ?? null);
    if (leader.file !== null && leader.cursor && cursor !== this.#lastCursor) {
      this.#lastCursor = cursor;
      this.#options.reveal(leader.file, leader.cursor);
    }
  }
}

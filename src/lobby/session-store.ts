/** A direct address where the host accepts TLS connections. */
export interface DirectAddress {
  host: string;
  port: number;
}

/** What the lobby keeps about a live session. Never a key, a fingerprint or a plain token. */
export interface SessionRecord {
  sessionId: string;
  /** Display name the host gave. */
  name: string;
  direct: DirectAddress[];
  /** SHA-256 of the host token, base64url; the token itself is never stored. */
  hostTokenHash: string;
  /** Registration time, ms since the epoch. */
  createdAt: number;
}

/** The answer to a session lookup. An ended session carries nothing but that fact. */
export type SessionLookup =
  { status: 'live'; session: SessionRecord } | { status: 'ended' } | { status: 'unknown' };

/**
 * Where the lobby keeps sessions. Asynchronous throughout so that a shared store (Redis, with
 * expiring keys) can replace the in-memory one without changing callers.
 */
export interface SessionStore {
  /**
   * Stores a new live session unless `maxLive` sessions are live already, in one atomic step so
   * that concurrent registrations cannot overshoot the limit. Returns whether it was stored.
   */
  create(record: SessionRecord, maxLive: number): Promise<boolean>;
  /** Looks a session up. */
  get(sessionId: string): Promise<SessionLookup>;
  /**
   * Ends a session: its record is dropped and only a tombstone saying "ended" remains, for a
   * while. Returns whether it was live.
   */
  end(sessionId: string): Promise<boolean>;
  /** Number of live sessions, for the session limit. */
  countLive(): Promise<number>;
  /** Releases the store's resources. */
  close(): Promise<void>;
}

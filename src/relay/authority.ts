/** Where a session stands, as far as the relay needs to know. */
export type RelaySessionStatus = 'live' | 'ended' | 'unknown';

/**
 * What the relay asks of whoever owns sessions: the embedded lobby today, a shared store for a
 * standalone relay node later. The relay keeps no session records of its own.
 */
export interface RelaySessionAuthority {
  /** Whether the session exists and has not ended. */
  sessionStatus(sessionId: string): Promise<RelaySessionStatus>;
  /** Whether `token` is the host token of a live session; must compare in constant time. */
  verifyHostToken(sessionId: string, token: string): Promise<boolean>;
  /**
   * Told when the session's host control connection comes (`true`) or goes (`false`). Not
   * called when the relay itself closes the connection because the session ended or the relay
   * is shutting down.
   */
  onHostPresence?(sessionId: string, present: boolean): void;
}

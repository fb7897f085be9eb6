import type { Logger } from '../log.js';
import type { HostPresenceMonitor } from './host-presence.js';
import type { LobbyLimits } from './limits.js';
import type { SessionLookup, SessionStore } from './session-store.js';
import { isWellFormedId } from '../relay/index.js';

/** What the lobby's routes share. URLs are functions: they are known only once listening. */
export interface LobbyContext {
  store: SessionStore;
  limits: LobbyLimits;
  log: Logger;
  presence: HostPresenceMonitor;
  /** The public base URL, without trailing slash. */
  publicUrl(): string;
  /** The relay base URL handed to hosts and guests. */
  relayUrl(): string;
  /** Ends a session everywhere: store, presence timer, relay connections. */
  endSession(sessionId: string, reason: string): Promise<boolean>;
}

/** Looks a session up by an id from a URL; malformed ids are simply unknown. */
export async function lookupSessionParam(store: SessionStore, id: unknown): Promise<SessionLookup> {
  return isWellFormedId(id) ? store.get(id) : { status: 'unknown' };
}

import type { Role } from '../protocol/messages.js';
import type { Participant } from '../protocol/presence-state.js';

/** How a guest's connection reached the host. */
export type ConnectionPath = 'direct' | 'relay';

/**
 * What the host agent reports, in the shape the CLI prints with `--json` (one object per
 * line, each with an `event` field). Fingerprints appear here because the person hosting
 * must see them; they never go to a log.
 */
export type HostEvent =
  | { event: 'link'; link: string; sessionId: string }
  | {
      event: 'join-request';
      id: string;
      name: string;
      pin: string;
      fingerprint: string;
      via: ConnectionPath;
    }
  | {
      event: 'joined';
      id: string;
      name: string;
      role: Role;
      via: ConnectionPath;
      readmitted: boolean;
    }
  | { event: 'denied'; id: string; name: string }
  | { event: 'role'; id: string; name: string; role: Role }
  | { event: 'removed'; id: string; name: string }
  | { event: 'left'; id: string; name: string }
  | { event: 'ended'; reason: string }
  /** Everyone present, after any change of presence (who is here, files, cursors). */
  | { event: 'presence'; participants: Participant[] }
  /** The host asked everyone to follow it. */
  | { event: 'summon' }
  /**
   * The control connection to the relay dropped. With `retrying`, the host reconnects with
   * backoff; without, the relay refused it for good (`message` says why). Either way guests
   * cannot join through the relay meanwhile; guests connected directly stay connected.
   */
  | { event: 'relay-lost'; message: string; retrying: boolean }
  /** The control connection is back after `relay-lost` or `lobby-lost`. */
  | { event: 'relay-restored' }
  /**
   * The lobby no longer knows the session (it restarted and forgot it): the join link is dead
   * and guests cannot come back through it. The host goes on for guests connected directly
   * and keeps asking the relay now and then.
   */
  | { event: 'lobby-lost'; lobbyUrl: string; message: string };

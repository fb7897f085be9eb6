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
  | { event: 'summon' };

import * as decoding from 'lib0/decoding';
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import * as Y from 'yjs';
import { ProtocolError } from '../protocol/errors.js';
import type { Role } from '../protocol/messages.js';
import {
  HOST_ONLY_FIELDS,
  readParticipants,
  type Participant,
} from '../protocol/presence-state.js';

/** Awareness client ids one guest may use; each agent or browser tab has one. */
export const MAX_CLIENT_IDS_PER_GUEST = 8;

/** Largest presence state one client may publish. Cursors and names are small. */
export const MAX_PRESENCE_STATE_BYTES = 4096;

/** Who sent a presence update, as the host checks it. */
export interface PresenceSender {
  /** The name the host admitted the guest under; a state must carry this name. */
  name: string;
  /** Client ids this guest has used, owned by it alone. */
  clientIds: Set<number>;
}

/**
 * The session's presence (y-protocols awareness): who is here, which file each looks at,
 * cursors and selections. The host relays every guest's state to the others, after checking
 * that a guest only speaks for its own client ids and under the name the host admitted.
 */
export class Presence {
  readonly awareness: Awareness;
  readonly #owners = new Map<number, PresenceSender>();

  constructor(hostName: string) {
    this.awareness = new Awareness(new Y.Doc());
    this.awareness.setLocalState({
      user: { name: hostName, role: 'host', color: '#d97706', colorLight: '#d9770640' },
      file: null,
      cursor: null,
      following: null,
      roles: {},
      summon: 0,
    });
  }

  /** Everyone present, the host first among equals. */
  participants(): Participant[] {
    return readParticipants(this.awareness.getStates(), this.awareness.clientID);
  }

  /** Publishes what the host looks at: a shared path (or null) and its cursor there. */
  setLocal(file: string | null, cursor: unknown): void {
    const state = this.awareness.getLocalState();
    if (state && state.file === file && JSON.stringify(state.cursor) === JSON.stringify(cursor)) {
      return;
    }
    this.awareness.setLocalState({ ...state, file, cursor });
  }

  /** Publishes whom the host follows (a client id), or null. */
  follow(clientId: number | null): void {
    this.awareness.setLocalStateField('following', clientId);
  }

  /** Asks everyone to follow the host: guests see the counter go up. */
  summon(): void {
    const current = this.awareness.getLocalState()?.summon;
    this.awareness.setLocalStateField('summon', (typeof current === 'number' ? current : 0) + 1);
  }

  /**
   * Publishes each guest's role by its client ids, so every participant sees roles that only
   * the host could have set. Unchanged roles publish nothing.
   */
  publishRoles(guests: Iterable<{ role: Role | undefined; clientIds: Set<number> }>): void {
    const roles: Record<string, Role> = {};
    for (const guest of guests) {
      if (!guest.role) continue;
      for (const id of guest.clientIds) roles[String(id)] = guest.role;
    }
    const current = this.awareness.getLocalState()?.roles;
    if (JSON.stringify(current) === JSON.stringify(roles)) return;
    this.awareness.setLocalStateField('roles', roles);
  }

  /**
   * Checks and applies a guest's awareness update. Throws a ProtocolError for a malformed
   * update, or one that claims another participant's client id or name.
   */
  apply(update: Uint8Array, sender: PresenceSender): void {
    for (const { clientId, state } of readAwarenessUpdate(update)) {
      const owner = this.#owners.get(clientId);
      if (clientId === this.awareness.clientID || (owner && owner !== sender)) {
        throw new ProtocolError('presence update for another participant', 'unexpected_message');
      }
      if (!owner) {
        if (sender.clientIds.size >= MAX_CLIENT_IDS_PER_GUEST) {
          throw new ProtocolError('too many presence client ids', 'unexpected_message');
        }
        sender.clientIds.add(clientId);
        this.#owners.set(clientId, sender);
      }
      if (state.length > MAX_PRESENCE_STATE_BYTES) {
        throw new ProtocolError('presence state too large', 'unexpected_message');
      }
      const parsed = parseState(state);
      if (parsed !== null && parsed.user?.name !== sender.name) {
        throw new ProtocolError(
          'presence must carry the name the host admitted',
          'unexpected_message',
        );
      }
      // Roles and summons mean something only when the host says them.
      if (
        parsed !== null &&
        (parsed.user?.role !== undefined || HOST_ONLY_FIELDS.some((f) => f in parsed))
      ) {
        throw new ProtocolError('presence fields only the host may set', 'unexpected_message');
      }
    }
    applyAwarenessUpdate(this.awareness, update, sender);
  }

  /** Removes a departed guest's entries, so they vanish for everyone at once. */
  forget(sender: PresenceSender): void {
    removeAwarenessStates(this.awareness, [...sender.clientIds], 'left');
    for (const id of sender.clientIds) this.#owners.delete(id);
  }

  /** Everyone's current state, for a guest that just joined. */
  snapshot(): Uint8Array {
    return encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]);
  }

  /** Calls `listener` with each change to relay, and the sender it came from (or undefined). */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): void {
    this.awareness.on(
      'update',
      ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
        const changed = [...added!, ...updated!, ...removed!];
        listener(encodeAwarenessUpdate(this.awareness, changed), origin);
      },
    );
  }

  destroy(): void {
    this.awareness.destroy();
  }
}

function readAwarenessUpdate(update: Uint8Array): { clientId: number; state: string }[] {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    if (count > MAX_CLIENT_IDS_PER_GUEST) throw new Error('too many entries');
    const entries = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      decoding.readVarUint(decoder); // clock
      entries.push({ clientId, state: decoding.readVarString(decoder) });
    }
    return entries;
  } catch (error) {
    throw new ProtocolError('malformed presence update', 'malformed_message', { cause: error });
  }
}

function parseState(state: string): { user?: { name?: unknown; role?: unknown } } | null {
  try {
    const parsed = JSON.parse(state) as unknown;
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new Error('a presence state must be an object');
    }
    return parsed as { user?: { name?: unknown; role?: unknown } } | null;
  } catch (error) {
    throw new ProtocolError('malformed presence state', 'malformed_message', { cause: error });
  }
}

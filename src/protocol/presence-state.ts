import type { Role } from './messages.js';

/**
 * The shape of one participant's presence (its y-protocols awareness state), shared by host and
 * guests:
 *
 * - `user`: `{ name, color, colorLight }`; the host's also has `role: 'host'`.
 * - `file`: the shared path it is looking at, or null.
 * - `cursor`: `{ anchor, head }` as Yjs relative positions in JSON, or null.
 * - `following`: the client id it follows, or null.
 *
 * Only the host's state may carry `roles` (client id → role, so every page can show roles) and
 * `summon` (a counter the host raises to ask everyone to follow it); the host refuses both, and
 * `user.role`, from guests.
 */

/** One participant as presence shows it. */
export interface Participant {
  clientId: number;
  name: string;
  color: string;
  /** A translucent variant of `color`, for selections. */
  colorLight: string;
  /** 'host', or the guest's role as the host published it. */
  role: Role | 'host' | undefined;
  /** The file it is looking at, if any. */
  file: string | null;
  /** Its cursor and selection in that file, as its editor published them. */
  cursor: unknown;
  /** The client id it follows, if any. */
  following: number | null;
  /** Whether this entry is our own. */
  self: boolean;
}

/** The fields of a state the host reserves for itself. */
export const HOST_ONLY_FIELDS = ['roles', 'summon'] as const;

interface RawState {
  user?: { name?: unknown; color?: unknown; colorLight?: unknown; role?: unknown };
  file?: unknown;
  cursor?: unknown;
  following?: unknown;
  roles?: unknown;
  summon?: unknown;
}

/** A stable colour per name, so a participant keeps its colour across reconnects. */
export function colorFor(name: string): { color: string; colorLight: string } {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) | 0;
  const hue = Math.abs(hash) % 360;
  return { color: `hsl(${hue} 70% 45%)`, colorLight: `hsl(${hue} 70% 45% / 0.25)` };
}

/** The host's entry among awareness states: the one whose user has role 'host'. */
export function findHostState(
  states: Map<number, Record<string, unknown>>,
): { clientId: number; name: string; summon: number; roles: Record<string, unknown> } | undefined {
  for (const [clientId, raw] of states) {
    const state = raw as RawState;
    if (state.user?.role !== 'host') continue;
    return {
      clientId,
      name: typeof state.user.name === 'string' ? state.user.name : 'host',
      summon: typeof state.summon === 'number' ? state.summon : 0,
      roles: typeof state.roles === 'object' && state.roles ? (state.roles as never) : {},
    };
  }
  return undefined;
}

/**
 * Everyone in `states` as participants. Roles come from the host's published `roles`, so a
 * guest cannot give itself one.
 */
export function readParticipants(
  states: Map<number, Record<string, unknown>>,
  selfId: number,
): Participant[] {
  const host = findHostState(states);
  const list: Participant[] = [];
  for (const [clientId, raw] of states) {
    const state = raw as RawState;
    const name = typeof state.user?.name === 'string' ? state.user.name : '?';
    const fallback = colorFor(name);
    const published = host?.roles[String(clientId)];
    list.push({
      clientId,
      name,
      color: typeof state.user?.color === 'string' ? state.user.color : fallback.color,
      colorLight:
        typeof state.user?.colorLight === 'string' ? state.user.colorLight : fallback.colorLight,
      role:
        host?.clientId === clientId
          ? 'host'
          : published === 'read-only' || published === 'edit' || published === 'full'
            ? published
            : undefined,
      file: typeof state.file === 'string' ? state.file : null,
      cursor: state.cursor ?? null,
      following: typeof state.following === 'number' ? state.following : null,
      self: clientId === selfId,
    });
  }
  return list;
}

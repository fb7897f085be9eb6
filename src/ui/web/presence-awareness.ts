import * as Y from 'yjs';
import type { ParticipantInfo } from '../protocol.js';
import { safeColor } from './colors.js';

/** A cursor as the page sends it: Yjs relative positions in their JSON form. */
export interface CursorJson {
  anchor: unknown;
  head: unknown;
}

/** One remote participant's state, shaped as y-codemirror.next's remote selections read it. */
export interface RemoteState {
  user: { name: string; color: string; colorLight: string };
  cursor: { anchor: Y.RelativePosition; head: Y.RelativePosition } | null;
}

/** The change event y-protocols awareness emits, which y-codemirror.next listens to. */
export interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

type ChangeListener = (change: AwarenessChange, origin: unknown) => void;

/** Options for {@link PresenceAwareness}. */
export interface PresenceAwarenessOptions {
  /** The file this editor shows; only participants in it are reported. */
  path: string;
  /** Our own awareness client id (from `state`), so our echo is not drawn as a remote caret. */
  clientId: () => number;
  /** Called when the editor moves our cursor, with the cursor ready for a `presence` message. */
  onCursor: (cursor: CursorJson | null) => void;
}

/**
 * Stands in for a y-protocols Awareness in one editor. The page has no awareness protocol
 * with its agent (the agent owns our identity and publishes it); this adapter gives
 * y-codemirror.next's remote selections the parts it uses (`doc.clientID`, `getStates`,
 * `getLocalState`, `setLocalStateField`, `on`/`off('change')`), fed from `presence` messages.
 */
export class PresenceAwareness {
  readonly doc: { readonly clientID: number };
  readonly #options: PresenceAwarenessOptions;
  readonly #listeners = new Set<ChangeListener>();
  #states = new Map<number, RemoteState>();
  #local: { cursor: { anchor: Y.RelativePosition; head: Y.RelativePosition } | null } = {
    cursor: null,
  };

  constructor(options: PresenceAwarenessOptions) {
    this.#options = options;
    this.doc = {
      get clientID() {
        return options.clientId();
      },
    };
  }

  /**
   * Participants looking at this editor's file. Everyone else is left out: a relative
   * position in another document resolves to nothing or, worse, to the end of this one.
   */
  getStates(): Map<number, RemoteState> {
    return this.#states;
  }

  getLocalState(): { cursor: unknown } {
    return this.#local;
  }

  setLocalStateField(field: string, value: unknown): void {
    if (field !== 'cursor') return;
    const cursor = value as { anchor: Y.RelativePosition; head: Y.RelativePosition } | null;
    this.#local = { cursor };
    this.#options.onCursor(this.cursor);
  }

  /** Our last cursor in this file, as JSON for a `presence` message. */
  get cursor(): CursorJson | null {
    const cursor = this.#local.cursor;
    if (!cursor) return null;
    return {
      anchor: Y.relativePositionToJSON(cursor.anchor),
      head: Y.relativePositionToJSON(cursor.head),
    };
  }

  on(event: string, listener: ChangeListener): void {
    if (event === 'change') this.#listeners.add(listener);
  }

  off(event: string, listener: ChangeListener): void {
    if (event === 'change') this.#listeners.delete(listener);
  }

  /** Takes everyone's presence and tells the editor which carets to redraw. */
  update(participants: ParticipantInfo[]): void {
    const next = new Map<number, RemoteState>();
    for (const participant of participants) {
      if (participant.self || participant.file !== this.#options.path) continue;
      next.set(participant.clientId, {
        user: {
          name: participant.name,
          color: safeColor(participant.color),
          colorLight: safeColor(participant.colorLight, 'rgb(107 114 128 / 0.25)'),
        },
        cursor: readCursor(participant.cursor),
      });
    }
    const change: AwarenessChange = { added: [], updated: [], removed: [] };
    for (const id of next.keys()) (this.#states.has(id) ? change.updated : change.added).push(id);
    for (const id of this.#states.keys()) if (!next.has(id)) change.removed.push(id);
    this.#states = next;
    if (change.added.length + change.updated.length + change.removed.length === 0) return;
    for (const listener of this.#listeners) listener(change, 'remote');
  }

  destroy(): void {
    this.#listeners.clear();
  }
}

/**
 * Turns a cursor from `presence` into relative positions, or null if it is not one. Parsing
 * matters: y-codemirror.next resolves what it finds, and the JSON form leaves out fields it
 * compares against null.
 */
export function readCursor(
  raw: unknown,
): { anchor: Y.RelativePosition; head: Y.RelativePosition } | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { anchor, head } = raw as { anchor?: unknown; head?: unknown };
  if (!isRelativePositionJson(anchor) || !isRelativePositionJson(head)) return null;
  try {
    return {
      anchor: Y.createRelativePositionFromJSON(anchor),
      head: Y.createRelativePositionFromJSON(head),
    };
  } catch {
    return null;
  }
}

// A position names an item or a type by Yjs id; anything else would throw deep in the editor.
function isRelativePositionJson(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { item, type } = value as { item?: unknown; type?: unknown };
  return (item === undefined || isId(item)) && (type === undefined || isId(type));
}

function isId(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { client, clock } = value as { client?: unknown; clock?: unknown };
  return Number.isInteger(client) && Number.isInteger(clock);
}

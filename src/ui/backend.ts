import type * as Y from 'yjs';
import type { FileOp, Role } from '../protocol/messages.js';
import type { AgentMessage, AppState, ListingEntry, ParticipantInfo } from './protocol.js';

/** A document a page has open, as the agent holds it. */
export interface BackendDocument {
  /** The normalized path. */
  path: string;
  /** The agent's copy: the host's authoritative one, or the guest's replica. */
  doc: Y.Doc;
}

/** What the host's page may do besides editing. */
export interface HostControls {
  approve(id: string, role: Role): boolean;
  deny(id: string): boolean;
  setRole(id: string, role: Role): boolean;
  remove(id: string): boolean;
  summon(): void;
  end(): Promise<void>;
}

/**
 * What a page's server needs from its agent, host or guest alike. A page session calls it;
 * the agent pushes what changes through {@link subscribe}.
 */
export interface UiBackend {
  readonly kind: 'host' | 'guest';
  /** The state the page shows. */
  state(): AppState;
  /** Host: admitted and waiting guests. Guest: undefined. */
  guests(): Extract<AgentMessage, { t: 'guests' }> | undefined;
  participants(): ParticipantInfo[];
  /** Lists one shared folder (`''` is the root), at most `limit` entries. */
  list(path: string, limit: number): Promise<{ entries: ListingEntry[]; truncated: boolean }>;
  /** Opens a document; match each call with {@link closeDocument}. */
  openDocument(path: string): Promise<BackendDocument>;
  closeDocument(path: string): Promise<void>;
  /** Whether this participant may change documents now. */
  canEdit(): boolean;
  /** Whether this participant may create, rename and delete files now. */
  canChangeFiles(): boolean;
  setPresence(file: string | null, cursor: unknown): void;
  follow(clientId: number | null): void;
  fileOp(op: FileOp, path: string, options: { to?: string; content?: Uint8Array }): Promise<void>;
  /** Host only. */
  readonly host: HostControls | undefined;
  /** Guest only: leaves the session. */
  leave(): void;
  /** Calls `listener` with each message for every page. Returns a function that stops. */
  subscribe(listener: (message: AgentMessage) => void): () => void;
}

/** The listeners of a backend, and the one way it tells them something. */
export class Broadcaster {
  readonly #listeners = new Set<(message: AgentMessage) => void>();

  subscribe(listener: (message: AgentMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  send(message: AgentMessage): void {
    for (const listener of this.#listeners) listener(message);
  }
}

/** The name of an entry of a '/'-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

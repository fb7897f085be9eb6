import { z } from 'zod';
import { FILE_OPS, ROLES, type Role } from '../protocol/messages.js';

/**
 * The messages between an agent and the browser page it serves, over one WebSocket on
 * 127.0.0.1. The page lives at `http://127.0.0.1:PORT/TOKEN/`; its assets and its WebSocket
 * (`ws://127.0.0.1:PORT/TOKEN/ws`) are addressed relative to that. Every message is one JSON
 * text frame with a `t` field. Yjs payloads are y-protocols sync messages (step 1, step 2 or
 * update), base64-encoded. The agent validates everything the
 * page sends with {@link pageMessageSchema}: the page is reachable only with the run's token,
 * but it is still a separate program.
 */

/** Longest path the page may name; paths are checked again by the workspace gate. */
export const MAX_UI_PATH_LENGTH = 4096;

/** Largest message the page may send (a Yjs update of a big paste, base64). */
export const MAX_UI_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Entries a folder listing carries unless the page asks for more; the rest is reported as
 * truncated, and the tree offers to show more.
 */
export const MAX_LISTING_ENTRIES = 5000;

/** Most entries the page may ask for in one listing ("show more" grows by one step each time). */
export const MAX_LISTING_LIMIT = 200_000;

const path = z.string().min(1).max(MAX_UI_PATH_LENGTH);
const folder = z.string().max(MAX_UI_PATH_LENGTH);
const base64 = z.string().max(MAX_UI_MESSAGE_BYTES);
const guestId = z.string().min(1).max(32);
const relativePosition = z.unknown();

/** Messages the page sends to its agent. */
export const pageMessageSchema = z.discriminatedUnion('t', [
  /** Lists one folder ('' is the shared root). Answered by `listing`. */
  z.object({
    t: z.literal('list'),
    path: folder,
    limit: z.number().int().min(1).max(MAX_LISTING_LIMIT).optional(),
  }),
  /** Opens a text file as a shared document. Answered by `opened` then `doc`, or `doc-error`. */
  z.object({ t: z.literal('open'), path }),
  z.object({ t: z.literal('close'), path }),
  /** A y-protocols sync message for an open document. */
  z.object({ t: z.literal('doc'), path, data: base64 }),
  /** What this participant looks at; `cursor` holds Yjs relative positions as JSON. */
  z.object({
    t: z.literal('presence'),
    file: path.nullable(),
    cursor: z.object({ anchor: relativePosition, head: relativePosition }).nullable(),
  }),
  /** Whom this participant follows (an awareness client id), or null. */
  z.object({ t: z.literal('follow'), clientId: z.number().int().nonnegative().nullable() }),
  /** A file operation; answered by `op-result` with the same `ref`. */
  z.object({
    t: z.literal('op'),
    ref: z.number().int().nonnegative(),
    op: z.enum(FILE_OPS),
    path,
    to: path.optional(),
    /** Text content for `create` or `write` (e.g. "save as new file" of a deleted document). */
    content: z.string().max(MAX_UI_MESSAGE_BYTES).optional(),
  }),
  // Host only: the agent refuses these from a guest's page.
  z.object({ t: z.literal('approve'), id: guestId, role: z.enum(ROLES) }),
  z.object({ t: z.literal('deny'), id: guestId }),
  z.object({ t: z.literal('set-role'), id: guestId, role: z.enum(ROLES) }),
  z.object({ t: z.literal('remove'), id: guestId }),
  z.object({ t: z.literal('summon') }),
  z.object({ t: z.literal('end') }),
  // Guest only.
  z.object({ t: z.literal('leave') }),
]);

/** A message the page sends to its agent. */
export type PageMessage = z.infer<typeof pageMessageSchema>;

/** How this agent is connected to the session. */
export type ConnectionState =
  /** Guest: verifying the host, or waiting for its answer. */
  | 'connecting'
  /** Guest: connected, PIN shown, waiting for the host's approval. */
  | 'waiting'
  /** Guest admitted, or host running. */
  | 'connected'
  /** Guest: the link was lost; trying again. */
  | 'reconnecting'
  /** The session is over for this agent; `detail` says why. */
  | 'ended';

/** The agent's state as the page shows it. Sent whole on every change. */
export interface AppState {
  kind: 'host' | 'guest';
  /** This participant's name. */
  name: string;
  sessionName: string;
  /** Host: the join link to copy. */
  link?: string;
  /** Guest: its role once admitted. The host is always 'host'. */
  role: Role | 'host' | undefined;
  connection: ConnectionState;
  /** Guest: whether the connection to the host is direct or through the relay. */
  via?: 'direct' | 'relay';
  /** Guest: the PIN to compare with the host's, once connected. */
  pin?: string;
  /** Why the session ended, was refused, or the guest was removed. */
  detail?: string;
  /** Our own awareness client id, to tell ourselves apart in `presence`. */
  clientId: number;
}

/** A guest as the host's page lists it. */
export interface GuestInfo {
  id: string;
  name: string;
  role: Role;
  via: 'direct' | 'relay';
}

/** A waiting guest, for the host's join-request dialog. */
export interface JoinRequestInfo {
  id: string;
  name: string;
  pin: string;
  fingerprint: string;
  via: 'direct' | 'relay';
}

/** One participant as presence shows it. */
export interface ParticipantInfo {
  clientId: number;
  name: string;
  color: string;
  /** A translucent variant of `color` for selections. */
  colorLight: string;
  /** 'host', a guest role when the host published it, or undefined. */
  role: Role | 'host' | undefined;
  file: string | null;
  /** `{ anchor, head }` as Yjs relative positions in JSON, or null. */
  cursor: unknown;
  /** The client id this participant follows, if any. */
  following: number | null;
  self: boolean;
}

/** One entry of a folder listing. */
export interface ListingEntry {
  name: string;
  /** Path relative to the shared root, '/'-separated. */
  path: string;
  kind: 'file' | 'dir';
  size: number;
}

/** Messages the agent sends to its page. */
export type AgentMessage =
  | { t: 'state'; state: AppState }
  /** Host only: admitted guests and waiting join requests. */
  | { t: 'guests'; guests: GuestInfo[]; requests: JoinRequestInfo[] }
  | { t: 'presence'; participants: ParticipantInfo[] }
  | { t: 'listing'; path: string; entries: ListingEntry[]; truncated: boolean }
  /** Something under these folders changed; list them again if shown. */
  | { t: 'tree-changed'; paths: string[] }
  | { t: 'opened'; path: string; editable: boolean }
  | { t: 'doc'; path: string; data: string }
  | { t: 'doc-error'; path: string; message: string }
  /** The file of an open document was deleted or renamed; the page keeps its text. */
  | { t: 'doc-gone'; path: string; reason: string }
  /**
   * The agent refused some of the page's edits to this document (say, they crossed a role
   * change): the page drops its copy and syncs a fresh one (sync step 1 again), keeping the tab.
   */
  | { t: 'doc-reset'; path: string; reason: string }
  | { t: 'op-result'; ref: number; ok: boolean; message?: string }
  /** The host asks everyone to follow it. */
  | { t: 'summoned'; clientId: number; name: string }
  /** Something the person should read: a refusal, a failure. */
  | { t: 'notice'; level: 'info' | 'error'; message: string };

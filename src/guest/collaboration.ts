import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { MessageChannel } from '../protocol/channel.js';
import type { FileOp, GuestMessage, HostMessage, Role } from '../protocol/messages.js';
import {
  colorFor,
  findHostState,
  readParticipants,
  type Participant,
} from '../protocol/presence-state.js';

export type { Participant } from '../protocol/presence-state.js';

/** Origin of changes that came from the host, so they are not echoed back. */
export const HOST_ORIGIN: unique symbol = Symbol('tandem.host');

/** How long a file operation waits for the host's answer. */
export const FILE_OP_TIMEOUT_MS = 30_000;

/** The host did not answer a file operation within {@link FILE_OP_TIMEOUT_MS}: no refusal. */
export class FileOpTimeoutError extends Error {
  override readonly name = 'FileOpTimeoutError';
}

type Channel = MessageChannel<HostMessage, GuestMessage>;
type CollabMessage = Extract<
  HostMessage,
  { t: 'opened' | 'doc' | 'doc-gone' | 'awareness' | 'fs-result' | 'refused' }
>;

/** A shared document as the guest holds it. */
export interface GuestDocument {
  readonly path: string;
  readonly doc: Y.Doc;
  readonly text: Y.Text;
  /** Settles once the host's content has arrived. */
  readonly synced: Promise<void>;
  /** Set when the host reported the file gone; local edits stay in `doc`. */
  gone: string | undefined;
}

/** What the guest's co-editing side reports. */
export type CollaborationEvent =
  | { event: 'doc-gone'; path: string; reason: string }
  | { event: 'refused'; path?: string; message: string }
  | { event: 'presence'; participants: Participant[] }
  /** The host asks everyone to follow it. */
  | { event: 'summoned'; clientId: number; name: string };

interface OpenDocument extends GuestDocument {
  markSynced(): void;
  /** How many {@link GuestCollaboration.open} calls hold it (the mirror, each UI page). */
  refs: number;
}

/**
 * The guest's side of co-editing: documents kept in step with the host through y-protocols
 * sync, presence through awareness, and file operations. It outlives a connection: after a
 * reconnect, {@link attach} re-opens every document and the Yjs state vectors merge whatever
 * either side changed while apart.
 */
export class GuestCollaboration {
  readonly awareness: Awareness;
  readonly #documents = new Map<string, OpenDocument>();
  readonly #pendingOps = new Map<number, { resolve(): void; reject(error: Error): void }>();
  readonly #onEvent: (event: CollaborationEvent) => void;
  readonly #followers = new Set<() => void>();
  #channel: Channel | undefined;
  #role: Role = 'read-only';
  #nextRef = 1;
  /** The host's summon counter last seen; undefined until the host's state first arrives. */
  #summon: number | undefined;

  constructor(options: { name: string; onEvent?: (event: CollaborationEvent) => void }) {
    this.#onEvent = options.onEvent ?? (() => undefined);
    this.awareness = new Awareness(new Y.Doc());
    this.awareness.setLocalState({
      user: { name: options.name, ...colorFor(options.name) },
      file: null,
      cursor: null,
      following: null,
    });
    this.awareness.on(
      'update',
      ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
        if (origin === HOST_ORIGIN) {
          this.#onEvent({ event: 'presence', participants: this.participants() });
          this.#checkSummon();
          for (const follower of this.#followers) follower();
          return;
        }
        // Only our own entry is ours to publish. Others' entries change here too, when they
        // time out after a long silence (the host would refuse an update that speaks for them).
        const own = this.awareness.clientID;
        if (![...added!, ...updated!, ...removed!].includes(own)) return;
        this.#send({ t: 'awareness' }, encodeAwarenessUpdate(this.awareness, [own]));
      },
    );
  }

  /** Everyone in the session now, ourselves included. */
  participants(): Participant[] {
    return readParticipants(this.awareness.getStates(), this.awareness.clientID);
  }

  /** Publishes what we look at: a shared path (or null) and the cursor in it. */
  setPresence(file: string | null, cursor: unknown): void {
    const state = this.awareness.getLocalState();
    if (state && state.file === file && JSON.stringify(state.cursor) === JSON.stringify(cursor)) {
      return;
    }
    this.awareness.setLocalState({ ...state, file, cursor });
  }

  /**
   * Follows a participant: `listener` gets its file and cursor now and after each change, and
   * `undefined` once it left. Returns a function that stops following.
   */
  follow(clientId: number, listener: (participant: Participant | undefined) => void): () => void {
    let last = '';
    const check = (): void => {
      const participant = this.participants().find((p) => p.clientId === clientId);
      const key = JSON.stringify(participant ?? null);
      if (key === last) return;
      last = key;
      listener(participant);
    };
    this.#followers.add(check);
    this.awareness.setLocalStateField('following', clientId);
    check();
    return () => {
      this.#followers.delete(check);
      this.awareness.setLocalStateField('following', null);
    };
  }

  /** The role the host gave; decides whether local edits are sent. */
  get role(): Role {
    return this.#role;
  }

  set role(role: Role) {
    this.#role = role;
  }

  /** Whether a connection to the host is in use (edits and file operations can go out). */
  get connected(): boolean {
    return this.#channel !== undefined && !this.#channel.closed;
  }

  /** Uses a newly admitted connection: re-opens documents and re-announces presence. */
  attach(channel: Channel): void {
    this.#channel = channel;
    channel.onClose(() => {
      if (this.#channel !== channel) return;
      this.#channel = undefined;
      for (const [ref, op] of this.#pendingOps) {
        op.reject(new Error('The connection to the host was lost before it answered.'));
        this.#pendingOps.delete(ref);
      }
    });
    for (const path of this.#documents.keys()) this.#send({ t: 'open', path });
    const local = encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]);
    this.#send({ t: 'awareness' }, local);
  }

  /** Opens a shared text file as a document. */
  open(path: string): GuestDocument {
    const existing = this.#documents.get(path);
    if (existing) {
      existing.refs += 1;
      return existing;
    }
    const doc = new Y.Doc();
    let markSynced!: () => void;
    const synced = new Promise<void>((resolve) => (markSynced = resolve));
    const entry: OpenDocument = {
      path,
      doc,
      text: doc.getText('content'),
      synced,
      gone: undefined,
      markSynced,
      refs: 1,
    };
    this.#documents.set(path, entry);
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      // A document whose file went away keeps its edits here; the host has nowhere to put them.
      if (origin === HOST_ORIGIN || this.#role === 'read-only' || entry.gone) return;
      const message = encoding.createEncoder();
      syncProtocol.writeUpdate(message, update);
      this.#send({ t: 'doc', path }, encoding.toUint8Array(message));
    });
    this.#send({ t: 'open', path });
    return entry;
  }

  /** Gives back one {@link open}; the last one stops following the document. */
  close(path: string): void {
    const entry = this.#documents.get(path);
    if (!entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.#documents.delete(path);
    this.#send({ t: 'close', path });
    entry.doc.destroy();
  }

  /** The open document at `path`, if any. */
  get(path: string): GuestDocument | undefined {
    return this.#documents.get(path);
  }

  /**
   * Asks the host to create, write, rename or delete; rejects with the host's reason, or with a
   * {@link FileOpTimeoutError} when no answer came in time.
   */
  fileOp(
    op: FileOp,
    path: string,
    options: { to?: string; content?: Uint8Array } = {},
  ): Promise<void> {
    const ref = this.#nextRef++;
    return new Promise<void>((resolve, reject) => {
      if (!this.#channel) {
        reject(new Error('Not connected to the host.'));
        return;
      }
      const timer = setTimeout(() => {
        this.#pendingOps.delete(ref);
        reject(new FileOpTimeoutError(`The host did not answer the ${op} of ${path} in time.`));
      }, FILE_OP_TIMEOUT_MS);
      this.#pendingOps.set(ref, {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.#send(
        { t: 'fs', ref, op, path, ...(options.to ? { to: options.to } : {}) },
        options.content,
      );
    });
  }

  /** Handles one co-editing message from the host. */
  async handle(message: CollabMessage, body: Buffer): Promise<void> {
    switch (message.t) {
      case 'opened': {
        const entry = this.#documents.get(message.path);
        if (!entry) return;
        const step1 = encoding.createEncoder();
        syncProtocol.writeSyncStep1(step1, entry.doc);
        this.#send({ t: 'doc', path: message.path }, encoding.toUint8Array(step1));
        return;
      }
      case 'doc': {
        const entry = this.#documents.get(message.path);
        if (!entry) return;
        const decoder = decoding.createDecoder(body);
        const reply = encoding.createEncoder();
        const kind = syncProtocol.readSyncMessage(decoder, reply, entry.doc, HOST_ORIGIN);
        if (kind === syncProtocol.messageYjsSyncStep2) entry.markSynced();
        if (encoding.length(reply) > 0 && this.#role !== 'read-only') {
          this.#send({ t: 'doc', path: message.path }, encoding.toUint8Array(reply));
        }
        return;
      }
      case 'doc-gone': {
        const entry = this.#documents.get(message.path);
        // The host let go of it; holders keep this copy, and opening the path again starts anew.
        if (entry) {
          entry.gone = message.reason;
          this.#documents.delete(message.path);
        }
        this.#onEvent({ event: 'doc-gone', path: message.path, reason: message.reason });
        return;
      }
      case 'awareness':
        applyAwarenessUpdate(this.awareness, body, HOST_ORIGIN);
        return;
      case 'fs-result': {
        const op = this.#pendingOps.get(message.ref);
        this.#pendingOps.delete(message.ref);
        if (message.ok) op?.resolve();
        else op?.reject(new Error(message.message ?? 'The host refused the file operation.'));
        return;
      }
      case 'refused':
        this.#onEvent({
          event: 'refused',
          ...(message.path ? { path: message.path } : {}),
          message: message.message,
        });
        return;
    }
  }

  /** Releases everything. */
  destroy(): void {
    for (const entry of this.#documents.values()) entry.doc.destroy();
    this.#documents.clear();
    this.awareness.destroy();
  }

  /** Reports a summon when the host raises its counter (not the value found on joining). */
  #checkSummon(): void {
    const host = findHostState(this.awareness.getStates());
    if (!host) return;
    const seen = this.#summon;
    this.#summon = host.summon;
    if (seen !== undefined && host.summon > seen) {
      this.#onEvent({ event: 'summoned', clientId: host.clientId, name: host.name });
    }
  }

  #send(message: GuestMessage, body?: Uint8Array): void {
    const channel = this.#channel;
    if (!channel || channel.closed) return;
    channel.send(message, body).catch(() => undefined);
  }
}

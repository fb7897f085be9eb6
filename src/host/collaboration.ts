import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import type { Logger } from '../log.js';
import type { GuestMessage } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/errors.js';
import {
  assertAllowed,
  can,
  HostFileOps,
  PathRejectedError,
  PermissionDeniedError,
  type GuestAction,
  type WorkspaceRules,
} from '../workspace/index.js';
import { DocumentStore, NotATextFileError } from '../workspace/documents/index.js';
import type { GuestConnection } from './guest-connection.js';
import { Presence } from './presence.js';

type CollabMessage = Extract<GuestMessage, { t: 'open' | 'close' | 'doc' | 'awareness' | 'fs' }>;

/** Documents one guest may hold open at once. Each costs the host memory and broadcasts. */
export const MAX_OPEN_DOCUMENTS_PER_GUEST = 64;

/** Options for {@link Collaboration}. */
export interface CollaborationOptions {
  root: string;
  rules: WorkspaceRules;
  hostName: string;
  logger: Logger;
  /** Guests currently admitted, for broadcasts. */
  guests: () => Iterable<GuestConnection>;
  /** Document store options, for tests (autosave delays). */
  autosaveDebounceMs?: number;
}

/**
 * The host's side of co-editing: the authoritative documents, presence, and file operations,
 * each request checked against the sender's role (one table: `workspace/permissions.ts`)
 * before anything is applied. A refused request is answered, never applied.
 */
export class Collaboration {
  readonly store: DocumentStore;
  readonly presence: Presence;
  /** File operations on the shared folder, for guests (after a role check) and the host. */
  readonly files: HostFileOps;
  readonly #goneListeners = new Set<(path: string, reason: string) => void>();
  readonly #options: CollaborationOptions;
  /** Which guests hold each document open. */
  readonly #readers = new Map<string, Set<GuestConnection>>();
  readonly #listeners = new Map<string, (update: Uint8Array, origin: unknown) => void>();

  constructor(options: CollaborationOptions) {
    this.#options = options;
    this.store = new DocumentStore(options.root, options.rules, {
      logger: options.logger,
      autosaveDebounceMs: options.autosaveDebounceMs,
      onDocumentGone: (path, reason) => this.#onDocumentGone(path, reason),
    });
    this.files = new HostFileOps({ root: options.root, rules: options.rules });
    this.presence = new Presence(options.hostName);
    this.presence.onUpdate((update, origin) => {
      for (const guest of options.guests()) {
        if (guest !== origin && guest.state === 'admitted') {
          guest.enqueue(() => guest.channel.send({ t: 'awareness' }, update));
        }
      }
    });
  }

  /** Whether `guest` has `path` open as a document (its mirror then follows the document). */
  isOpenBy(guest: GuestConnection, path: string): boolean {
    return this.#readers.get(path)?.has(guest) ?? false;
  }

  /** Sends a newly admitted guest everyone's presence. */
  welcome(guest: GuestConnection): void {
    const snapshot = this.presence.snapshot();
    guest.enqueue(() => guest.channel.send({ t: 'awareness' }, snapshot));
  }

  /** Handles one co-editing message from an admitted guest. */
  async handle(guest: GuestConnection, message: CollabMessage, body: Buffer): Promise<void> {
    switch (message.t) {
      case 'open':
        return this.#open(guest, message.path);
      case 'close':
        return this.#close(guest, message.path);
      case 'doc':
        return this.#doc(guest, message.path, body);
      case 'awareness':
        if (!this.#allowed(guest, 'presence')) return;
        this.presence.apply(body, guest);
        // A new client id of this guest needs its role published.
        this.refreshRoles();
        return;
      case 'fs':
        return this.#fileOp(guest, message, body);
    }
  }

  /**
   * After a guest's role changed: one that may now edit is asked for its state of each open
   * document, so edits it made just as it lost the right (refused then) no longer hold back the
   * ones it makes now; Yjs would otherwise keep those waiting for the missing ones.
   */
  resync(guest: GuestConnection): void {
    if (!can(guest.role!, 'edit-document')) return;
    for (const path of guest.openDocuments) {
      const doc = this.store.get(path)?.doc;
      if (!doc) continue;
      const step1 = encoding.createEncoder();
      syncProtocol.writeSyncStep1(step1, doc as Y.Doc);
      const bytes = encoding.toUint8Array(step1);
      guest.enqueue(() => guest.channel.send({ t: 'doc', path }, bytes));
    }
  }

  /** Publishes every admitted guest's role in the host's presence. */
  refreshRoles(): void {
    const admitted = [...this.#options.guests()].filter((guest) => guest.state === 'admitted');
    this.presence.publishRoles(admitted);
  }

  /** Calls `listener` when an open document's file is deleted or stops being text. */
  onDocumentGone(listener: (path: string, reason: string) => void): () => void {
    this.#goneListeners.add(listener);
    return () => this.#goneListeners.delete(listener);
  }

  /** Forgets everything of a guest that left: its documents and its presence. */
  async leave(guest: GuestConnection): Promise<void> {
    this.presence.forget(guest);
    for (const path of [...guest.openDocuments]) await this.#close(guest, path);
  }

  /** Saves every document and stops. */
  async close(): Promise<void> {
    await this.store.close();
    this.presence.destroy();
  }

  async #open(guest: GuestConnection, path: string): Promise<void> {
    if (!this.#allowed(guest, 'read', path)) return;
    if (guest.openDocuments.has(path)) return;
    if (guest.openDocuments.size >= MAX_OPEN_DOCUMENTS_PER_GUEST) {
      return this.#refuse(
        guest,
        `You have ${MAX_OPEN_DOCUMENTS_PER_GUEST} documents open; close one first.`,
        path,
      );
    }
    let shared;
    try {
      shared = await this.store.openDocument(path);
    } catch (error) {
      // Whatever keeps a file from opening concerns this request, never the connection: a
      // closed connection would reconnect and ask again.
      return this.#refuse(guest, openFailure(path, error), path);
    }
    if (shared.path !== path || shared.gone !== undefined) {
      await this.store.closeDocument(shared.path);
      const why =
        shared.path !== path
          ? `Open ${shared.path} rather than ${path}.`
          : `${path} was deleted or renamed on the host.`;
      return this.#refuse(guest, why, path);
    }
    const key = shared.path;
    guest.openDocuments.add(key);
    let readers = this.#readers.get(key);
    if (!readers) {
      readers = new Set();
      this.#readers.set(key, readers);
      const listener = (update: Uint8Array, origin: unknown): void =>
        this.#broadcast(key, update, origin);
      this.#listeners.set(key, listener);
      shared.doc.on('update', listener);
    }
    readers.add(guest);
    const step1 = encoding.createEncoder();
    syncProtocol.writeSyncStep1(step1, shared.doc);
    await guest.channel.send({ t: 'opened', path: key });
    // Only a guest that may edit is asked for its state: a read-only guest's would be refused.
    if (can(guest.role!, 'edit-document')) {
      await guest.channel.send({ t: 'doc', path: key }, encoding.toUint8Array(step1));
    }
  }

  async #close(guest: GuestConnection, path: string): Promise<void> {
    if (!guest.openDocuments.delete(path)) return;
    const readers = this.#readers.get(path);
    readers?.delete(guest);
    if (readers && readers.size === 0) {
      const doc = this.store.get(path)?.doc;
      const listener = this.#listeners.get(path);
      if (doc && listener) doc.off('update', listener);
      this.#readers.delete(path);
      this.#listeners.delete(path);
    }
    await this.store.closeDocument(path);
  }

  async #doc(guest: GuestConnection, path: string, body: Buffer): Promise<void> {
    const shared = guest.openDocuments.has(path) ? this.store.get(path) : undefined;
    if (!shared) return this.#refuse(guest, `${path} is not open; open it first.`, path);
    const decoder = decoding.createDecoder(body);
    let kind: number;
    try {
      kind = decoding.peekVarUint(decoder);
    } catch (error) {
      throw new ProtocolError('malformed document message', 'malformed_message', { cause: error });
    }
    const writes =
      kind === syncProtocol.messageYjsSyncStep2 || kind === syncProtocol.messageYjsUpdate;
    if (writes && !this.#allowed(guest, 'edit-document', path)) return;
    const reply = encoding.createEncoder();
    try {
      syncProtocol.readSyncMessage(decoder, reply, shared.doc as Y.Doc, guest);
    } catch (error) {
      throw new ProtocolError('malformed document update', 'malformed_message', { cause: error });
    }
    if (encoding.length(reply) > 0) {
      await guest.channel.send({ t: 'doc', path }, encoding.toUint8Array(reply));
    }
  }

  async #fileOp(
    guest: GuestConnection,
    message: Extract<CollabMessage, { t: 'fs' }>,
    body: Buffer,
  ): Promise<void> {
    const action: GuestAction = message.op === 'mkdir' ? 'create' : message.op;
    const result = (ok: boolean, text?: string): Promise<void> =>
      guest.channel.send({
        t: 'fs-result',
        ref: message.ref,
        ok,
        ...(text ? { message: text } : {}),
      });
    if (!can(guest.role!, action))
      return result(false, new PermissionDeniedError(guest.role!, action).message);
    try {
      switch (message.op) {
        case 'create':
          await this.files.createFile(message.path, body);
          break;
        case 'mkdir':
          await this.files.createDirectory(message.path);
          break;
        case 'write':
          await this.files.writeFile(message.path, body);
          break;
        case 'rename':
          if (!message.to) return result(false, 'rename needs a target path');
          await this.files.rename(message.path, message.to);
          break;
        case 'delete':
          await this.files.delete(message.path);
          break;
      }
    } catch (error) {
      guest.log.info(
        { op: message.op, reason: (error as Error).message },
        'file operation refused',
      );
      return result(false, (error as Error).message);
    }
    guest.log.info({ op: message.op }, 'file operation applied');
    return result(true);
  }

  #broadcast(path: string, update: Uint8Array, origin: unknown): void {
    const message = encoding.createEncoder();
    syncProtocol.writeUpdate(message, update);
    const bytes = encoding.toUint8Array(message);
    for (const guest of this.#readers.get(path) ?? []) {
      if (guest !== origin) guest.enqueue(() => guest.channel.send({ t: 'doc', path }, bytes));
    }
  }

  /**
   * Tells every holder that a document's file went away and lets go of it for them: each keeps
   * its own copy of the text, and the store can then open the path afresh if it comes back.
   */
  #onDocumentGone(path: string, reason: string): void {
    for (const listener of this.#goneListeners) listener(path, reason);
    const readers = this.#readers.get(path) ?? new Set<GuestConnection>();
    const doc = this.store.get(path)?.doc;
    const listener = this.#listeners.get(path);
    if (doc && listener) doc.off('update', listener);
    this.#readers.delete(path);
    this.#listeners.delete(path);
    for (const guest of readers) {
      guest.openDocuments.delete(path);
      guest.enqueue(() => guest.channel.send({ t: 'doc-gone', path, reason }));
      void this.store
        .closeDocument(path)
        .catch((error: unknown) =>
          guest.log.warn({ err: error }, 'could not let go of a document that went away'),
        );
    }
  }

  #allowed(guest: GuestConnection, action: GuestAction, path?: string): boolean {
    try {
      assertAllowed(guest.role!, action);
      return true;
    } catch (error) {
      this.#refuse(guest, (error as Error).message, path);
      return false;
    }
  }

  #refuse(guest: GuestConnection, message: string, path?: string): void {
    guest.enqueue(() => guest.channel.send({ t: 'refused', message, ...(path ? { path } : {}) }));
  }
}

/** Why a document could not be opened, in words for the person who asked. */
function openFailure(path: string, error: unknown): string {
  if (error instanceof NotATextFileError || error instanceof PathRejectedError) {
    return error.message;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${path} does not exist (any more) on the host.`;
  if (error instanceof Error && error.name === 'WorkspaceLimitError') return error.message;
  return `${path} could not be opened on the host${code ? ` (${code})` : ''}.`;
}

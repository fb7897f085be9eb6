import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebSocket } from 'ws';
import type * as Y from 'yjs';
import type { Logger } from '../log.js';
import type { BackendDocument, UiBackend } from './backend.js';
import {
  MAX_LISTING_ENTRIES,
  pageMessageSchema,
  type AgentMessage,
  type PageMessage,
} from './protocol.js';

/** Documents one page may hold open at once. */
export const MAX_PAGE_DOCUMENTS = 64;

/**
 * Largest cursor a page may publish, as JSON. Cursors are two small relative positions; a
 * bigger one would only make the host drop this participant's presence (and connection).
 */
export const MAX_PAGE_CURSOR_BYTES = 1024;

/** Bytes queued towards a page beyond which it is cut off as stuck (it reconnects). */
export const MAX_PAGE_BUFFERED_BYTES = 64 * 1024 * 1024;

interface OpenDocument {
  document: BackendDocument;
  listener: (update: Uint8Array, origin: unknown) => void;
}

/**
 * One browser page connected to its agent: routes the page's requests to the backend, keeps the
 * page's copy of each open document in step with the agent's through y-protocols sync, and
 * passes on what the agent pushes. A bad message from the page is answered with a notice and
 * never takes the agent down.
 */
export class PageSession {
  readonly #socket: WebSocket;
  readonly #backend: UiBackend;
  readonly #log: Logger;
  readonly #documents = new Map<string, OpenDocument>();
  /** Paths being opened, so a second `open` or an early `close` is handled once. */
  readonly #opening = new Map<string, Promise<void>>();
  readonly #unsubscribe: () => void;
  /** Paths told to start over (`doc-reset`), until the page syncs a fresh copy. */
  readonly #resetting = new Set<string>();
  #closed = false;

  constructor(socket: WebSocket, backend: UiBackend, log: Logger) {
    this.#socket = socket;
    this.#backend = backend;
    this.#log = log;
    this.#unsubscribe = backend.subscribe((message) => {
      if (message.t === 'doc-gone') this.#release(message.path);
      this.#send(message);
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#notice('error', 'The page sent a binary frame; reload it.');
      void this.#receive(data.toString()).catch((error: unknown) => {
        this.#log.warn({ err: error }, 'page request failed');
        this.#notice('error', error instanceof Error ? error.message : String(error));
      });
    });
    socket.on('close', () => void this.#close());
    socket.on('error', (error) => this.#log.debug({ err: error }, 'page socket failed'));
    this.#send({ t: 'state', state: backend.state() });
    const guests = backend.guests();
    if (guests) this.#send(guests);
    this.#send({ t: 'presence', participants: backend.participants() });
  }

  async #receive(text: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.#notice('error', 'The page sent a message that is not JSON; reload it.');
    }
    const result = pageMessageSchema.safeParse(parsed);
    if (!result.success) {
      return this.#notice('error', 'The page sent a message the agent does not understand.');
    }
    await this.#handle(result.data);
  }

  async #handle(message: PageMessage): Promise<void> {
    const backend = this.#backend;
    switch (message.t) {
      case 'list': {
        const limit = message.limit ?? MAX_LISTING_ENTRIES;
        const { entries, truncated } = await backend.list(message.path, limit);
        return this.#send({ t: 'listing', path: message.path, entries, truncated });
      }
      case 'open':
        return this.#open(message.path);
      case 'close':
        return this.#closeDocument(message.path);
      case 'doc':
        return this.#doc(message.path, message.data);
      case 'presence':
        if (JSON.stringify(message.cursor ?? null).length > MAX_PAGE_CURSOR_BYTES) {
          return this.#notice('error', 'The page sent a cursor too large to share.');
        }
        return backend.setPresence(message.file, message.cursor);
      case 'follow':
        return backend.follow(message.clientId);
      case 'op': {
        const options = {
          ...(message.to === undefined ? {} : { to: message.to }),
          ...(message.content === undefined
            ? {}
            : { content: new TextEncoder().encode(message.content) }),
        };
        try {
          if (!backend.canChangeFiles()) throw new Error('Your role does not allow file changes.');
          await backend.fileOp(message.op, message.path, options);
          return this.#send({ t: 'op-result', ref: message.ref, ok: true });
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          return this.#send({ t: 'op-result', ref: message.ref, ok: false, message: text });
        }
      }
      case 'leave':
        return backend.leave();
      default:
        return this.#hostCommand(message);
    }
  }

  #hostCommand(
    message: Extract<
      PageMessage,
      { t: 'approve' | 'deny' | 'set-role' | 'remove' | 'summon' | 'end' }
    >,
  ): void {
    const host = this.#backend.host;
    if (!host) return this.#notice('error', 'Only the host can do that.');
    let done = true;
    switch (message.t) {
      case 'approve':
        done = host.approve(message.id, message.role);
        break;
      case 'deny':
        done = host.deny(message.id);
        break;
      case 'set-role':
        done = host.setRole(message.id, message.role);
        break;
      case 'remove':
        done = host.remove(message.id);
        break;
      case 'summon':
        host.summon();
        break;
      case 'end':
        void host.end();
        break;
    }
    if (!done) this.#notice('error', `No such guest (${'id' in message ? message.id : ''}).`);
  }

  async #open(path: string): Promise<void> {
    await this.#opening.get(path);
    const held = this.#documents.get(path);
    if (held) {
      // The page lost its copy (a tab reopened): it gets the document again from the start.
      this.#resetting.delete(path);
      return this.#announce(path, held.document);
    }
    if (this.#documents.size >= MAX_PAGE_DOCUMENTS) {
      return this.#send({
        t: 'doc-error',
        path,
        message: `${MAX_PAGE_DOCUMENTS} files are open; close one first.`,
      });
    }
    const opening = (async () => {
      let document: BackendDocument;
      try {
        document = await this.#backend.openDocument(path);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return this.#send({ t: 'doc-error', path, message });
      }
      if (this.#closed) {
        await this.#backend.closeDocument(path);
        return;
      }
      const listener = (update: Uint8Array, origin: unknown): void => {
        if (origin === this) return;
        const encoder = encoding.createEncoder();
        syncProtocol.writeUpdate(encoder, update);
        this.#sendDoc(path, encoding.toUint8Array(encoder));
      };
      document.doc.on('update', listener);
      this.#documents.set(path, { document, listener });
      this.#announce(path, document);
    })();
    this.#opening.set(path, opening);
    try {
      await opening;
    } finally {
      this.#opening.delete(path);
    }
  }

  /** Tells the page a document is open and asks an editing page for its state. */
  #announce(path: string, document: BackendDocument): void {
    const editable = this.#backend.canEdit();
    this.#send({ t: 'opened', path, editable });
    // Only a page that may edit is asked for its state: a read-only page's would be refused.
    if (editable) {
      const step1 = encoding.createEncoder();
      syncProtocol.writeSyncStep1(step1, document.doc);
      this.#sendDoc(path, encoding.toUint8Array(step1));
    }
  }

  async #closeDocument(path: string): Promise<void> {
    await this.#opening.get(path);
    await this.#release(path);
  }

  /** Lets go of a document; also when its file went away (the page keeps its own text). */
  async #release(path: string): Promise<void> {
    const open = this.#documents.get(path);
    if (!open) return;
    this.#documents.delete(path);
    this.#resetting.delete(path);
    open.document.doc.off('update', open.listener);
    await this.#backend.closeDocument(path);
  }

  #doc(path: string, data: string): void {
    const open = this.#documents.get(path);
    if (!open) return this.#notice('error', `${path} is not open here; open it first.`);
    const bytes = Buffer.from(data, 'base64');
    const decoder = decoding.createDecoder(bytes);
    let kind: number;
    try {
      kind = decoding.peekVarUint(decoder);
    } catch {
      return this.#notice('error', 'The page sent a malformed document message; reload it.');
    }
    const writes =
      kind === syncProtocol.messageYjsSyncStep2 || kind === syncProtocol.messageYjsUpdate;
    if (kind === syncProtocol.messageYjsSyncStep1) this.#resetting.delete(path);
    if (writes && this.#resetting.has(path)) return;
    if (writes && !this.#backend.canEdit()) {
      // The page typed across a role change. Its copy now holds edits nobody else has, and
      // later edits would build on them and be stuck: it must start over from ours.
      this.#resetting.add(path);
      return this.#send({
        t: 'doc-reset',
        path,
        reason: 'Your role does not allow editing; edits made meanwhile were not kept.',
      });
    }
    const reply = encoding.createEncoder();
    try {
      syncProtocol.readSyncMessage(decoder, reply, open.document.doc as Y.Doc, this);
    } catch {
      return this.#notice('error', 'The page sent a malformed document update; reload it.');
    }
    if (encoding.length(reply) > 0) this.#sendDoc(path, encoding.toUint8Array(reply));
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const path of [...this.#documents.keys()]) {
      await this.#closeDocument(path).catch((error: unknown) =>
        this.#log.warn({ err: error }, 'could not close a document of a page that left'),
      );
    }
  }

  #sendDoc(path: string, bytes: Uint8Array): void {
    this.#send({ t: 'doc', path, data: Buffer.from(bytes).toString('base64') });
  }

  #notice(level: 'info' | 'error', message: string): void {
    this.#send({ t: 'notice', level, message });
  }

  #send(message: AgentMessage): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return;
    if (this.#socket.bufferedAmount > MAX_PAGE_BUFFERED_BYTES) {
      this.#log.warn('page is not reading; closing its connection');
      this.#socket.close(1013, 'page too slow');
      return;
    }
    this.#socket.send(JSON.stringify(message));
  }
}

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { fromBase64, toBase64 } from './base64.js';

/** Name of the shared text in every document; the agents use the same name. */
export const DOCUMENT_TEXT_NAME = 'content';

/** Origin of updates applied from the agent, so that they are not sent back to it. */
const AGENT_ORIGIN = Symbol('agent');

/**
 * The page's replica of one open file: a Y.Doc kept in sync with the agent's copy over
 * `doc` messages carrying y-protocols sync messages (step 1, step 2, update) in base64.
 */
export class SharedDocument {
  readonly doc = new Y.Doc();
  /** The file's content, `doc.getText('content')`. */
  readonly text: Y.Text = this.doc.getText(DOCUMENT_TEXT_NAME);
  readonly undoManager = new Y.UndoManager(this.text);
  readonly #send: (data: string) => void;
  readonly #onSynced: () => void;
  #synced = false;
  #detached = false;

  /**
   * @param send sends one base64 sync message to the agent for this document.
   * @param onSynced called once, when the agent's content has arrived (sync step 2).
   */
  constructor(send: (data: string) => void, onSynced: () => void) {
    this.#send = send;
    this.#onSynced = onSynced;
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === AGENT_ORIGIN || this.#detached) return;
      const encoder = encoding.createEncoder();
      syncProtocol.writeUpdate(encoder, update);
      this.#send(toBase64(encoding.toUint8Array(encoder)));
    });
  }

  /** Whether the agent's content has arrived. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Whether the document was cut off from the agent (its file went away). */
  get detached(): boolean {
    return this.#detached;
  }

  /** Starts the exchange: sync step 1 with what this replica has. */
  start(): void {
    const encoder = encoding.createEncoder();
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.#send(toBase64(encoding.toUint8Array(encoder)));
  }

  /**
   * Applies one sync message from the agent and answers it if it asks (step 1 → step 2).
   * Throws on a malformed message; the document is unchanged then.
   */
  receive(data: string): void {
    if (this.#detached) return;
    const decoder = decoding.createDecoder(fromBase64(data));
    const encoder = encoding.createEncoder();
    const type = syncProtocol.readSyncMessage(decoder, encoder, this.doc, AGENT_ORIGIN);
    if (encoding.length(encoder) > 0) this.#send(toBase64(encoding.toUint8Array(encoder)));
    if (type === syncProtocol.messageYjsSyncStep2 && !this.#synced) {
      this.#synced = true;
      this.#onSynced();
    }
  }

  /** Stops exchanging updates; the text stays readable (a file deleted on the host). */
  detach(): void {
    this.#detached = true;
  }

  destroy(): void {
    this.#detached = true;
    this.undoManager.destroy();
    this.doc.destroy();
  }
}

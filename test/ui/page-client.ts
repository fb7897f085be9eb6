/**
 * A stand-in for the browser page, speaking the page protocol over a real WebSocket: for tests
 * of the UI server that are about the agent, not the page.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { AgentMessage, PageMessage } from '../../src/ui/protocol.js';
import { eventually } from '../e2e/harness.js';

const FROM_AGENT = Symbol('agent');

/** The page's WebSocket address for a UI address (`http://127.0.0.1:PORT/TOKEN/`). */
export function socketUrl(url: string): string {
  return `${url.replace(/^http/, 'ws')}ws`;
}

/** A page connected to an agent's UI server. */
export class PageClient {
  readonly messages: AgentMessage[] = [];
  readonly docs = new Map<string, Y.Doc>();
  readonly #socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    // Attached before the socket opens: the agent speaks first, in the same packet as the upgrade.
    socket.on('message', (data) => this.#receive(JSON.parse(data.toString()) as AgentMessage));
  }

  /** Connects like the page does: below the token, with the UI's own Origin. */
  static async connect(url: string): Promise<PageClient> {
    const socket = new WebSocket(socketUrl(url), { headers: { origin: new URL(url).origin } });
    const client = new PageClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  send(message: PageMessage): void {
    this.#socket.send(JSON.stringify(message));
  }

  /** The last message of a kind, waiting for one that satisfies `match`. */
  async next<T extends AgentMessage['t']>(
    t: T,
    match: (message: Extract<AgentMessage, { t: T }>) => boolean = () => true,
  ): Promise<Extract<AgentMessage, { t: T }>> {
    let found: Extract<AgentMessage, { t: T }> | undefined;
    await eventually(() => {
      found = this.messages.findLast(
        (m): m is Extract<AgentMessage, { t: T }> =>
          m.t === t && match(m as Extract<AgentMessage, { t: T }>),
      );
      return found !== undefined;
    });
    return found!;
  }

  /** Opens a document and keeps a local replica in step, as the editor would. */
  async open(path: string): Promise<Y.Text> {
    const doc = new Y.Doc();
    this.docs.set(path, doc);
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_AGENT) return;
      const encoder = encoding.createEncoder();
      syncProtocol.writeUpdate(encoder, update);
      this.#sendDoc(path, encoding.toUint8Array(encoder));
    });
    this.send({ t: 'open', path });
    await this.next('opened', (m) => m.path === path);
    const step1 = encoding.createEncoder();
    syncProtocol.writeSyncStep1(step1, doc);
    this.#sendDoc(path, encoding.toUint8Array(step1));
    return doc.getText('content');
  }

  close(): void {
    this.#socket.close();
  }

  #sendDoc(path: string, bytes: Uint8Array): void {
    this.send({ t: 'doc', path, data: Buffer.from(bytes).toString('base64') });
  }

  #receive(message: AgentMessage): void {
    this.messages.push(message);
    if (message.t !== 'doc') return;
    const doc = this.docs.get(message.path);
    if (!doc) return;
    const reply = encoding.createEncoder();
    syncProtocol.readSyncMessage(
      decoding.createDecoder(Buffer.from(message.data, 'base64')),
      reply,
      doc,
      FROM_AGENT,
    );
    if (encoding.length(reply) > 0) this.#sendDoc(message.path, encoding.toUint8Array(reply));
  }
}

import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { MessageChannel } from '../protocol/channel.js';
import { ProtocolError } from '../protocol/errors.js';
import {
  guestMessageSchema,
  type GuestMessage,
  type HostMessage,
  type Role,
} from '../protocol/messages.js';
import type { ConnectionPath } from './events.js';

/** How long a guest has to say `hello` after the TLS handshake. */
export const HELLO_TIMEOUT_MS = 10_000;

/** Where a guest stands with the host. */
export type GuestState = 'hello' | 'pending' | 'admitted' | 'closed';

/** Everything the host knows about one connected guest. */
export class GuestConnection {
  readonly id: string;
  readonly fingerprint: string;
  readonly via: ConnectionPath;
  readonly socket: TLSSocket;
  readonly channel: MessageChannel<GuestMessage, HostMessage>;
  readonly log: Logger;
  name = '';
  pin = '';
  role: Role | undefined;
  state: GuestState = 'hello';
  /** Whether the guest asked for the tree and its changes (`sync`). */
  subscribed = false;
  /** Whether file contents follow the tree (a mirror) or only the listing (an editor UI). */
  wantsContents = true;
  /** Documents this guest holds open. */
  readonly openDocuments = new Set<string>();
  /** Presence client ids this guest speaks for. */
  readonly clientIds = new Set<number>();
  #outbox: Promise<void> = Promise.resolve();

  constructor(options: {
    id: string;
    socket: TLSSocket;
    fingerprint: string;
    via: ConnectionPath;
    log: Logger;
  }) {
    this.id = options.id;
    this.fingerprint = options.fingerprint;
    this.via = options.via;
    this.socket = options.socket;
    this.log = options.log;
    this.channel = new MessageChannel(options.socket, { schema: guestMessageSchema });
  }

  /**
   * Runs sends one after another, in the order queued, so the snapshot and the live changes
   * that follow it reach the guest in order. A failed send closes this guest only.
   */
  enqueue(job: () => Promise<void>): void {
    this.#outbox = this.#outbox.then(async () => {
      if (this.channel.closed) return;
      try {
        await job();
      } catch (error) {
        if (this.channel.closed) return;
        this.log.warn({ err: error }, 'sending to guest failed; closing its connection');
        if (error instanceof ProtocolError) this.channel.fail(error.code, error.message);
        else this.channel.fail('internal');
      }
    });
  }
}

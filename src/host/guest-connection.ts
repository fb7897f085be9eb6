import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { MessageChannel } from '../protocol/channel.js';
import { ProtocolError } from '../protocol/errors.js';
import { SendWindow } from '../protocol/flow.js';
import {
  guestMessageSchema,
  type GuestMessage,
  type HostMessage,
  type Role,
} from '../protocol/messages.js';
import type { ConnectionPath } from './events.js';

/** How long a guest has to say `hello` after the TLS handshake. */
export const HELLO_TIMEOUT_MS = 10_000;

/**
 * One send (or run of sends) for a guest's outbox. `interleave` sends the jobs queued behind
 * this one now and resolves true when there were any; see {@link GuestConnection.enqueue}.
 */
export type OutboxJob = (interleave: () => Promise<boolean>) => Promise<void>;

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
  /** How far ahead of the guest's acknowledgements a snapshot may run. */
  readonly window: SendWindow;
  /** Sends waiting their turn, oldest first. */
  readonly #outbox: OutboxJob[] = [];
  #sending = false;

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
    this.window = new SendWindow(() => this.channel.sent);
    this.channel.onClose(() => this.window.close());
  }

  /**
   * Runs sends one after another, in the order queued, so the snapshot and the live changes
   * that follow it reach the guest in order. A long job (the snapshot) may call the
   * `interleave` it is given at a point where that order does not matter: the jobs queued
   * behind it (presence, document updates, replies) are sent then, so that they wait for one
   * file rather than for the whole tree. A failed send closes this guest only.
   */
  enqueue(job: OutboxJob): void {
    this.#outbox.push(job);
    if (this.#sending) return;
    this.#sending = true;
    // Started on a later tick, as a queued job always was: a caller may finish what it is
    // doing before the first send goes out.
    void Promise.resolve().then(async () => {
      await this.#interleave();
      this.#sending = false;
    });
  }

  /** Sends everything queued so far, for a job that lets others go first. */
  readonly #interleave = async (): Promise<boolean> => {
    let ran = false;
    for (let next = this.#outbox.shift(); next; next = this.#outbox.shift()) {
      ran = true;
      await this.#run(next);
    }
    return ran;
  };

  async #run(job: OutboxJob): Promise<void> {
    if (this.channel.closed) return;
    try {
      await job(this.#interleave);
    } catch (error) {
      if (this.channel.closed) return;
      this.log.warn({ err: error }, 'sending to guest failed; closing its connection');
      if (error instanceof ProtocolError) this.channel.fail(error.code, error.message);
      else this.channel.fail('internal');
    }
  }
}

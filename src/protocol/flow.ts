/**
 * Flow control for the host-to-guest stream. TCP, TLS, the relay and the guest's own queue can
 * together hold megabytes in flight; during a snapshot of small files that is tens of
 * thousands of files, and a presence update or keystroke sent after them would wait for all of
 * them to be written to the guest's disk. So the guest says, every so often, how much it has
 * handled (`ack`), and the host keeps what it sends ahead of that within a window: whatever it
 * sends then (presence, document updates) waits for at most one window of files.
 */
import { ProtocolError } from './errors.js';

/** Most host messages a snapshot may have in flight beyond what the guest has handled. */
export const FLOW_WINDOW_MESSAGES = 512;

/** Most body bytes a snapshot may have in flight beyond what the guest has handled. */
export const FLOW_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * The guest acknowledges after this many messages. Must stay well below the window, or the
 * host could wait for an acknowledgement the guest has no reason to send yet.
 */
export const ACK_EVERY_MESSAGES = 64;

/** The guest acknowledges after this many body bytes; likewise well below the window. */
export const ACK_EVERY_BYTES = 1024 * 1024;

/** Counts of messages and body bytes, since the connection began. */
export interface FlowCount {
  messages: number;
  bytes: number;
}

/** Limits of a {@link SendWindow}. */
export interface FlowWindowLimits {
  messages: number;
  bytes: number;
}

/**
 * The host's side: how far the guest has got, and a wait for senders that must not run ahead
 * of it by more than the window.
 */
export class SendWindow {
  readonly #sent: () => FlowCount;
  readonly #limits: FlowWindowLimits;
  #acked: FlowCount = { messages: 0, bytes: 0 };
  #waiters: (() => void)[] = [];
  #closed = false;

  /** `sent` reports what the channel has sent so far. */
  constructor(
    sent: () => FlowCount,
    limits: FlowWindowLimits = { messages: FLOW_WINDOW_MESSAGES, bytes: FLOW_WINDOW_BYTES },
  ) {
    this.#sent = sent;
    this.#limits = limits;
  }

  /** Records a guest's `ack`. Throws a ProtocolError for counts that go back or run ahead. */
  acknowledge(count: FlowCount): void {
    const sent = this.#sent();
    if (
      count.messages < this.#acked.messages ||
      count.bytes < this.#acked.bytes ||
      count.messages > sent.messages ||
      count.bytes > sent.bytes
    ) {
      throw new ProtocolError('acknowledged what was never sent', 'unexpected_message');
    }
    this.#acked = { ...count };
    this.#wake();
  }

  /** Resolves once what is in flight is within the window (at once after {@link close}). */
  async wait(): Promise<void> {
    while (!this.#closed && !this.#open()) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Lets every waiter go: the connection is over, and their sends will fail on their own. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #open(): boolean {
    const sent = this.#sent();
    return (
      sent.messages - this.#acked.messages <= this.#limits.messages &&
      sent.bytes - this.#acked.bytes <= this.#limits.bytes
    );
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

/** The guest's side: counts what it handled and says when an `ack` is due. */
export class AckCounter {
  readonly #handled: FlowCount = { messages: 0, bytes: 0 };
  #acked: FlowCount = { messages: 0, bytes: 0 };

  /** Records one handled message; returns the counts to acknowledge when an `ack` is due. */
  handled(bodyBytes: number): FlowCount | undefined {
    this.#handled.messages += 1;
    this.#handled.bytes += bodyBytes;
    if (
      this.#handled.messages - this.#acked.messages < ACK_EVERY_MESSAGES &&
      this.#handled.bytes - this.#acked.bytes < ACK_EVERY_BYTES
    ) {
      return undefined;
    }
    this.#acked = { ...this.#handled };
    return { ...this.#handled };
  }
}

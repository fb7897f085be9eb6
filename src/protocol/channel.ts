import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import { WIRE_ERRORS, type WireErrorCode } from './close-codes.js';
import { encodeFrame, FrameDecoder, FrameError, type FrameLimits } from './frame.js';
import { ProtocolError } from './errors.js';

/**
 * Most received messages that may wait for the handler before the channel stops reading from
 * its stream; it reads again once half of them are handled. Threat: a peer that sends faster
 * than we handle (a large snapshot into a slow disk, or a flood) making us buffer its frames
 * without bound. Not reading pushes back through TCP, so the sender's writes wait instead, and
 * what it sends next is not stuck behind a backlog of unbounded length.
 */
export const MAX_QUEUED_MESSAGES = 256;

/**
 * Longest wait, after the peer closed its side, for the messages it sent before closing to be
 * handled. Its last words (`error` with why it removed us, `ended`) are usually the final frame
 * and must not be dropped because a handler was still busy when the stream ended; a handler
 * that never settles must not hold the channel open either.
 */
export const CLOSE_DRAIN_MS = 10_000;

/** Options for a {@link MessageChannel}. */
export interface MessageChannelOptions<In> extends FrameLimits {
  /** Schema every incoming header must satisfy. */
  schema: z.ZodType<In>;
  /** Defaults to {@link MAX_QUEUED_MESSAGES}. */
  maxQueuedMessages?: number;
  /** Defaults to {@link CLOSE_DRAIN_MS}. */
  closeDrainMs?: number;
}

/** Called for each valid incoming message, in order. A throw or rejection closes the channel. */
export type MessageHandler<In> = (message: In, body: Buffer) => void | Promise<void>;

/**
 * Validated, ordered messages over one byte stream. Incoming frames are decoded, checked
 * against the schema and handed to the handler one at a time (the next waits for the
 * previous handler's promise), so a handler may do async work without reordering. While more
 * than `maxQueuedMessages` wait, the stream is paused (backpressure). Anything invalid sends an
 * `error` message and closes this one connection, nothing else.
 */
export class MessageChannel<In, Out extends object> {
  readonly #stream: Duplex;
  readonly #schema: z.ZodType<In>;
  readonly #decoder: FrameDecoder;
  readonly #maxFrameBytes: number | undefined;
  readonly #maxQueued: number;
  readonly #closeDrainMs: number;
  #handler: MessageHandler<In> | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Messages handed to the queue and not yet handled. */
  #queued = 0;
  /** Whether reading is paused because too many messages wait. */
  #throttled = false;
  /** Messages and body bytes sent so far, for flow control. */
  readonly #sent = { messages: 0, bytes: 0 };
  #closed = false;
  /** Set once the peer closed its side while received messages still wait for the handler. */
  #draining = false;
  #closeError: Error | undefined;
  readonly #closeListeners: ((error: Error | undefined) => void)[] = [];

  constructor(stream: Duplex, options: MessageChannelOptions<In>) {
    this.#stream = stream;
    this.#schema = options.schema;
    this.#decoder = new FrameDecoder(options);
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#maxQueued = options.maxQueuedMessages ?? MAX_QUEUED_MESSAGES;
    this.#closeDrainMs = options.closeDrainMs ?? CLOSE_DRAIN_MS;
    if (!Number.isInteger(this.#maxQueued) || this.#maxQueued < 1) {
      throw new RangeError(`maxQueuedMessages must be an integer >= 1, got ${this.#maxQueued}`);
    }
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('error', (error: Error) => this.#finish(error));
    stream.on('close', () => this.#drainThenFinish());
    stream.on('end', () => this.#drainThenFinish());
    // Frames are read only once a handler is set, so nothing is lost between connect and use.
    stream.pause();
  }

  /** True once the connection is closed for any reason. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts delivering messages to `handler`. */
  listen(handler: MessageHandler<In>): void {
    this.#handler = handler;
    this.#stream.resume();
  }

  /** Messages and body bytes sent so far (not counting a closing `error`). */
  get sent(): { messages: number; bytes: number } {
    return { ...this.#sent };
  }

  /** Registers a callback for when the channel closes; `error` is set when it failed. */
  onClose(listener: (error: Error | undefined) => void): void {
    if (this.#closed) listener(this.#closeError);
    else this.#closeListeners.push(listener);
  }

  /**
   * Sends one message, resolving once the stream has accepted it without exceeding its
   * buffer (backpressure), so a sender awaiting each call never queues unbounded data.
   */
  async send(message: Out, body?: Uint8Array): Promise<void> {
    if (this.#closed) throw new ProtocolError('connection closed', 'internal');
    // The peer has gone: a reply to one of its last messages has nowhere to go.
    if (this.#draining) return;
    const frame = encodeFrame(message, body, this.#maxFrameBytes);
    this.#sent.messages += 1;
    this.#sent.bytes += body?.length ?? 0;
    if (this.#stream.write(frame)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.#stream.off('drain', done);
        this.#stream.off('close', done);
        if (this.#closed) reject(new ProtocolError('connection closed', 'internal'));
        else resolve();
      };
      this.#stream.on('drain', done);
      this.#stream.on('close', done);
    });
  }

  /** Sends an `error` message (best effort) and closes the connection. */
  fail(code: WireErrorCode, message: string = WIRE_ERRORS[code]): void {
    if (this.#closed) return;
    try {
      this.#stream.write(encodeFrame({ t: 'error', code, message: message.slice(0, 1000) }));
    } catch {
      // The stream may already be broken; closing below is what matters.
    }
    this.#finish(new ProtocolError(message, code));
    this.#stream.end();
    // A peer that never reads must not keep the socket open forever.
    setTimeout(() => this.#stream.destroy(), 2000).unref();
  }

  /** Closes the connection without an error message. */
  close(): void {
    if (!this.#closed) this.#finish(undefined);
    this.#stream.end();
    setTimeout(() => this.#stream.destroy(), 2000).unref();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let frames;
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      if (error instanceof FrameError) this.fail(error.code, error.message);
      else this.fail('internal');
      return;
    }
    for (const frame of frames) {
      const parsed = this.#schema.safeParse(frame.header);
      if (!parsed.success) {
        this.fail('malformed_message', `invalid message: ${summarize(parsed.error)}`);
        return;
      }
      const handler = this.#handler!;
      this.#queued += 1;
      this.#queue = this.#queue
        .then(() => (this.#closed ? undefined : handler(parsed.data, frame.body)))
        .catch((error: unknown) => {
          if (error instanceof ProtocolError) this.fail(error.code, error.message);
          else this.#finish(error instanceof Error ? error : new Error(String(error)));
          this.#stream.destroy();
        })
        .finally(() => this.#handled());
    }
    if (this.#queued > this.#maxQueued && !this.#throttled) {
      this.#throttled = true;
      this.#stream.pause();
    }
  }

  #handled(): void {
    this.#queued -= 1;
    if (this.#throttled && this.#queued <= this.#maxQueued / 2) {
      this.#throttled = false;
      if (!this.#closed) this.#stream.resume();
    }
  }

  /**
   * The peer closed its side cleanly: what it sent before is whole, so it is handled first
   * (for at most `closeDrainMs`), and only then is the channel closed.
   */
  #drainThenFinish(): void {
    if (this.#closed || this.#draining) return;
    if (this.#queued === 0) return this.#finish(undefined);
    this.#draining = true;
    const timer = setTimeout(() => this.#finish(undefined), this.#closeDrainMs);
    timer.unref();
    void this.#queue.then(() => {
      clearTimeout(timer);
      this.#finish(undefined);
    });
  }

  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    for (const listener of this.#closeListeners.splice(0)) listener(error);
  }
}

function summarize(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unknown schema error';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'message';
  return `${where}: ${issue.message}`.slice(0, 200);
}

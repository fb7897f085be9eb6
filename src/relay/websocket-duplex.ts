import { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { RelayError, relayCloseError } from './errors.js';
import { rawDataToBuffer } from './raw-data.js';

/**
 * Largest WebSocket message a client sends. Writes are cut to this size so that a large write
 * never exceeds the relay's frame limit (MAX_FRAME_BYTES), whatever the caller writes.
 */
export const RELAY_CLIENT_CHUNK_BYTES = 64 * 1024;

/** Bytes a relay stream buffers each way before it applies backpressure. */
export const STREAM_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * A relay WebSocket as a plain byte stream, fit for `tls.connect({ socket })` or
 * `new tls.TLSSocket(stream, { isServer: true })`. Binary messages carry the bytes; their
 * boundaries mean nothing. Reading pauses the socket when the consumer falls behind.
 *
 * Ending the writable side closes the WebSocket normally (1000); a normal close from the relay
 * ends the readable side; any other close destroys the stream with an error saying why.
 * `destroy()` closes the WebSocket.
 */
export class WebSocketDuplex extends Duplex {
  readonly #ws: WebSocket;

  /** Wraps an open WebSocket; the stream owns it from now on. */
  constructor(ws: WebSocket) {
    // Buffers sized for a stream of many small TLS records (a tree of small files): with the
    // 16 KiB default, each record waits for the previous send callback and the relay path
    // runs at a fraction of the direct one.
    super({
      allowHalfOpen: false,
      readableHighWaterMark: STREAM_HIGH_WATER_BYTES,
      writableHighWaterMark: STREAM_HIGH_WATER_BYTES,
    });
    this.#ws = ws;
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    ws.on('error', this.#onError);
  }

  override _read(): void {
    this.#ws.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error) => void,
  ): void {
    if (this.#ws.readyState !== WebSocket.OPEN) {
      callback(new RelayError('The relay connection is closed.'));
      return;
    }
    let remaining = Math.ceil(chunk.length / RELAY_CLIENT_CHUNK_BYTES);
    if (remaining === 0) {
      callback();
      return;
    }
    let failed = false;
    // The callback runs once every piece has been handed to the socket: that is the backpressure.
    const onSent = (error?: Error): void => {
      if (failed) return;
      if (error) {
        failed = true;
        callback(error);
      } else if (--remaining === 0) {
        callback();
      }
    };
    for (let offset = 0; offset < chunk.length; offset += RELAY_CLIENT_CHUNK_BYTES) {
      this.#ws.send(
        chunk.subarray(offset, offset + RELAY_CLIENT_CHUNK_BYTES),
        { binary: true },
        onSent,
      );
    }
  }

  override _final(callback: (error?: Error) => void): void {
    // WebSocket has no half-close: ending our side ends the stream, after queued bytes go out.
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#ws.off('message', this.#onMessage);
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(error ? 4000 : 1000);
    else if (this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate();
    callback(error);
  }

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    // Text messages are relay signals, never stream bytes; none is expected after `ready`.
    if (!isBinary) return;
    if (!this.push(rawDataToBuffer(data))) this.#ws.pause();
  };

  readonly #onClose = (code: number, reason: Buffer): void => {
    if (code === 1000 || code === 1005) this.push(null);
    else this.destroy(relayCloseError(code, reason.toString()));
  };

  readonly #onError = (error: Error): void => {
    this.destroy(new RelayError(`The relay connection failed: ${error.message}`, { cause: error }));
  };
}

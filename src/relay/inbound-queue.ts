import type { RawData, WebSocket } from 'ws';
import { rawDataToBuffer } from './raw-data.js';

/** Why an {@link InboundQueue} gave up on its socket. */
export type InboundQueueFailure = 'overflow' | 'text';

/**
 * Holds the bytes a data connection sends before it is paired, up to a limit. Attached right at
 * the upgrade so that no early byte is lost while the session is being looked up.
 */
export class InboundQueue {
  readonly #ws: WebSocket;
  readonly #maxBytes: number;
  readonly #onFailure: (failure: InboundQueueFailure) => void;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(ws: WebSocket, maxBytes: number, onFailure: (failure: InboundQueueFailure) => void) {
    this.#ws = ws;
    this.#maxBytes = maxBytes;
    this.#onFailure = onFailure;
    ws.on('message', this.#onMessage);
  }

  /** Stops queueing and hands over what was queued, oldest first. */
  drain(): Buffer[] {
    this.#ws.off('message', this.#onMessage);
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks;
  }

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    if (!isBinary) {
      this.drain();
      this.#onFailure('text');
      return;
    }
    const chunk = rawDataToBuffer(data);
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) {
      this.drain();
      this.#onFailure('overflow');
      return;
    }
    this.#chunks.push(chunk);
  };
}

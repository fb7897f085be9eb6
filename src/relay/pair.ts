import { WebSocket, type RawData } from 'ws';
import { RELAY_CLOSE, type RelayCloseSpec } from './close-codes.js';
import { rawDataToBuffer } from './raw-data.js';
import type { TokenBucket } from './token-bucket.js';

/** Options for {@link RelayPair}. */
export interface RelayPairOptions {
  /** The guest's data connection. */
  guest: WebSocket;
  /** The host's data connection for that guest. */
  host: WebSocket;
  /** Bytes the guest sent before pairing, oldest first. */
  guestBacklog: Buffer[];
  /** Bytes the host sent before pairing, oldest first. */
  hostBacklog: Buffer[];
  /** The session's shared rate limit. */
  bucket: TokenBucket;
  /** Close both sides after this long without a byte either way. */
  idleTimeoutMs: number;
  /** Stop reading a side while the other has more than this many bytes queued. */
  highWaterBytes: number;
  /** Called once, when the pair is over; `code` is what the surviving side was told. */
  onClose(code: number, reason: string): void;
}

type Hold = 'backpressure' | 'rate';

/** One direction of a pair: reads `from`, writes `to`, pauses `from` while it must wait. */
class Flow {
  readonly #from: WebSocket;
  readonly #to: WebSocket;
  readonly #options: RelayPairOptions;
  readonly #onActivity: () => void;
  readonly #onBadFrame: () => void;
  readonly #holds = new Set<Hold>();
  #rateTimer: NodeJS.Timeout | undefined;

  constructor(
    from: WebSocket,
    to: WebSocket,
    options: RelayPairOptions,
    events: { onActivity(): void; onBadFrame(): void },
  ) {
    this.#from = from;
    this.#to = to;
    this.#options = options;
    this.#onActivity = events.onActivity;
    this.#onBadFrame = events.onBadFrame;
    from.on('message', this.#onMessage);
  }

  /** Sends one chunk to the other side, then applies backpressure and the rate limit. */
  forward(chunk: Buffer): void {
    this.#onActivity();
    this.#to.send(chunk, { binary: true }, this.#onSent);
    if (this.#to.bufferedAmount > this.#options.highWaterBytes) this.#hold('backpressure');
    const wait = this.#options.bucket.take(chunk.length);
    if (wait > 0 && !this.#holds.has('rate')) {
      this.#hold('rate');
      this.#rateTimer = setTimeout(() => this.#release('rate'), wait);
    }
  }

  /** Stops forwarding and lets `from` read again, so its close handshake can complete. */
  stop(): void {
    clearTimeout(this.#rateTimer);
    this.#from.off('message', this.#onMessage);
    this.#holds.clear();
    this.#from.resume();
  }

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    if (!isBinary) {
      this.#onBadFrame();
      return;
    }
    this.forward(rawDataToBuffer(data));
  };

  // Called as each frame is handed to the kernel; once the queue is low again, read again.
  readonly #onSent = (): void => {
    if (
      this.#holds.has('backpressure') &&
      this.#to.bufferedAmount <= this.#options.highWaterBytes / 2
    ) {
      this.#release('backpressure');
    }
  };

  #hold(reason: Hold): void {
    if (this.#holds.size === 0) this.#from.pause();
    this.#holds.add(reason);
  }

  #release(reason: Hold): void {
    if (this.#holds.delete(reason) && this.#holds.size === 0) this.#from.resume();
  }
}

/**
 * Two paired data connections copying bytes both ways. Bytes are never dropped: a slow reader
 * pauses the writer (backpressure) and the session's rate limit pauses it too. When one side
 * closes, the other is closed after its queued bytes are sent.
 */
export class RelayPair {
  readonly #options: RelayPairOptions;
  readonly #flows: [Flow, Flow];
  readonly #idle: NodeJS.Timeout;
  #over = false;

  constructor(options: RelayPairOptions) {
    this.#options = options;
    const { guest, host } = options;
    this.#idle = setTimeout(() => this.#closeBoth(RELAY_CLOSE.idleTimeout), options.idleTimeoutMs);
    const events = {
      onActivity: () => this.#idle.refresh(),
      onBadFrame: () => this.#closeBoth(RELAY_CLOSE.badRequest),
    };
    const toHost = new Flow(guest, host, options, events);
    const toGuest = new Flow(host, guest, options, events);
    this.#flows = [toHost, toGuest];
    guest.once('close', (code, reason) => this.#sideClosed(host, code, reason));
    host.once('close', (code, reason) => this.#sideClosed(guest, code, reason));
    for (const chunk of options.guestBacklog) toHost.forward(chunk);
    for (const chunk of options.hostBacklog) toGuest.forward(chunk);
  }

  #sideClosed(survivor: WebSocket, code: number, reason: Buffer): void {
    const [nextCode, nextReason] = propagatedClose(code, reason.toString());
    this.#end(survivor, nextCode, nextReason);
  }

  #closeBoth(spec: RelayCloseSpec): void {
    const { guest, host } = this.#options;
    if (this.#over) return;
    closeSocket(guest, spec.code, spec.reason);
    this.#end(host, spec.code, spec.reason);
  }

  #end(survivor: WebSocket, code: number, reason: string): void {
    if (this.#over) return;
    this.#over = true;
    clearTimeout(this.#idle);
    for (const flow of this.#flows) flow.stop();
    closeSocket(survivor, code, reason);
    this.#options.onClose(code, reason);
  }
}

/**
 * What to tell the surviving side when the other closed. Codes 3000-3999 are the agents' own and
 * pass through; 4000-4999 belong to the relay, so a peer cannot make the other side believe the
 * relay said something (such as "session ended"). Anything abnormal becomes "peer lost".
 */
function propagatedClose(code: number, reason: string): [number, string] {
  if (code === 1000 || code === 1005) return [1000, RELAY_CLOSE.normal.reason];
  if (code === 1001) return [1001, reason];
  if (code >= 3000 && code <= 3999) return [code, reason];
  return [RELAY_CLOSE.peerLost.code, RELAY_CLOSE.peerLost.reason];
}

function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
  else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
}

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger, type Logger } from '../log.js';
import type { RelaySessionAuthority } from './authority.js';
import { parseBearerToken } from './bearer.js';
import { RELAY_CLOSE, RELAY_HTTP_ERRORS, type RelayCloseSpec } from './close-codes.js';
import { randomId } from './ids.js';
import { InboundQueue } from './inbound-queue.js';
import { Keepalive } from './keepalive.js';
import { resolveRelayLimits, type RelayLimits } from './limits.js';
import { encodeRelaySignal } from './messages.js';
import { RelayPair } from './pair.js';
import { rejectUpgrade } from './reject-upgrade.js';
import { matchRelayPath, RELAY_BASE_PATH, type RelayRoute } from './route.js';
import { TokenBucket } from './token-bucket.js';

/** How long shutdown waits for peers to answer the close frame before cutting them off. */
export const SHUTDOWN_CLOSE_GRACE_MS = 1_000;

/** Options for {@link Relay}. */
export interface RelayOptions {
  /** Who says whether a session is live and whose host token is right. */
  authority: RelaySessionAuthority;
  /** Path prefix of the endpoints; defaults to {@link RELAY_BASE_PATH}. */
  basePath?: string;
  /** Overrides of the default limits. */
  limits?: Partial<RelayLimits>;
  /** Where to log; nothing is logged by default. */
  logger?: Logger;
}

interface PendingGuest {
  ws: WebSocket;
  queue: InboundQueue;
  timer: NodeJS.Timeout;
}

/** What the relay holds for one session while it has connections. */
interface SessionEntry {
  readonly id: string;
  /** Every socket of the session, in whatever state, so ending it reaches all of them. */
  readonly sockets: Set<WebSocket>;
  control: WebSocket | undefined;
  readonly pending: Map<string, PendingGuest>;
  readonly bucket: TokenBucket;
}

/**
 * Pairs guests' byte streams with the host's over WebSockets and copies bytes both ways. It sees
 * only TLS records and keeps no session records: it asks a {@link RelaySessionAuthority}.
 *
 * Endpoints, under the base path:
 * - `host/<sessionId>` with `Authorization: Bearer <hostToken>`: the host's control connection;
 *   receives `{"type":"incoming","connId"}` for each waiting guest.
 * - `guest/<sessionId>`: a guest's data connection.
 * - `accept/<sessionId>/<connId>` with the host token: the host's data connection for a guest.
 *
 * Attach it to an HTTP server with `server.on('upgrade', ...)` and {@link Relay.handleUpgrade}.
 */
export class Relay {
  /** The limits in force. */
  readonly limits: RelayLimits;
  readonly #authority: RelaySessionAuthority;
  readonly #basePath: string;
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  readonly #keepalive: Keepalive;
  readonly #sessions = new Map<string, SessionEntry>();
  #closing: Promise<void> | undefined;

  constructor(options: RelayOptions) {
    this.limits = resolveRelayLimits(options.limits);
    this.#authority = options.authority;
    this.#basePath = (options.basePath ?? RELAY_BASE_PATH).replace(/\/+$/, '');
    this.#log = options.logger ?? silentLogger;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxFrameBytes,
      // TLS records do not compress, and inflating is a memory-amplification risk.
      perMessageDeflate: false,
      clientTracking: true,
    });
    this.#keepalive = new Keepalive(this.limits.keepaliveIntervalMs);
  }

  /** Number of open relay WebSockets. */
  get connectionCount(): number {
    return this.#wss.clients.size;
  }

  /**
   * Handles an HTTP `upgrade` event. Returns `false`, touching nothing, when the path is not under
   * the relay's base path; otherwise the relay owns the socket from then on.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = matchRelayPath(request.url ?? '', this.#basePath);
    if (match === undefined) return false;
    socket.on('error', () => socket.destroy());
    if ('refuse' in match) {
      rejectUpgrade(socket, match.refuse);
    } else if (this.#closing) {
      rejectUpgrade(socket, RELAY_HTTP_ERRORS.closing);
    } else if (this.#wss.clients.size >= this.limits.maxConnections) {
      this.#log.warn({ limit: this.limits.maxConnections }, 'relay full, refusing a connection');
      rejectUpgrade(socket, RELAY_HTTP_ERRORS.full);
    } else {
      const token = parseBearerToken(request.headers.authorization);
      this.#wss.handleUpgrade(request, socket, head, (ws) =>
        this.#onConnection(ws, match.route, token),
      );
    }
    return true;
  }

  /** Closes every connection of a session with "session ended" (4410). */
  endSession(sessionId: string): void {
    const entry = this.#sessions.get(sessionId);
    if (!entry) return;
    // Cleared first so the control's close is not reported as the host going away.
    entry.control = undefined;
    for (const pending of entry.pending.values()) clearTimeout(pending.timer);
    entry.pending.clear();
    for (const ws of [...entry.sockets]) closeWith(ws, RELAY_CLOSE.sessionEnded);
    this.#log.info({ sessionId, sockets: entry.sockets.size }, 'relay closed an ended session');
  }

  /** Refuses new connections and closes all open ones with 1001; resolves when all are gone. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#keepalive.stop();
    for (const entry of this.#sessions.values()) {
      entry.control = undefined;
      for (const pending of entry.pending.values()) clearTimeout(pending.timer);
      entry.pending.clear();
    }
    await Promise.all([...this.#wss.clients].map((ws) => closeAndWait(ws)));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #onConnection(ws: WebSocket, route: RelayRoute, token: string | undefined): void {
    const entry = this.#entryFor(route.sessionId);
    entry.sockets.add(ws);
    const log = this.#log.child({
      sessionId: route.sessionId,
      role: route.kind,
      ...(route.kind === 'accept' ? { connId: route.connId } : {}),
    });
    ws.on('error', (error) => log.debug({ err: error.message }, 'relay socket error'));
    ws.once('close', (code) => {
      entry.sockets.delete(ws);
      if (entry.sockets.size === 0 && this.#sessions.get(entry.id) === entry) {
        this.#sessions.delete(entry.id);
      }
      log.debug({ code }, 'relay socket closed');
    });
    this.#keepalive.track(ws);
    const task =
      route.kind === 'host'
        ? this.#onControl(ws, entry, token, log)
        : route.kind === 'guest'
          ? this.#onGuest(ws, entry, log)
          : this.#onAccept(ws, entry, token, route.connId, log);
    task.catch((error: unknown) => {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'relay failed');
      closeWith(ws, RELAY_CLOSE.internal);
    });
  }

  #entryFor(sessionId: string): SessionEntry {
    let entry = this.#sessions.get(sessionId);
    if (!entry) {
      const bucket = new TokenBucket({ ratePerSecond: this.limits.bytesPerSecondPerSession });
      entry = { id: sessionId, sockets: new Set(), control: undefined, pending: new Map(), bucket };
      this.#sessions.set(sessionId, entry);
    }
    return entry;
  }

  async #onControl(
    ws: WebSocket,
    entry: SessionEntry,
    token: string | undefined,
    log: Logger,
  ): Promise<void> {
    if (!(await this.#authorizeHost(ws, entry.id, token, log))) return;
    const previous = entry.control;
    entry.control = ws;
    ws.once('close', () => {
      if (entry.control !== ws) return;
      entry.control = undefined;
      log.info('host control disconnected');
      this.#authority.onHostPresence?.(entry.id, false);
    });
    if (previous) closeWith(previous, RELAY_CLOSE.replaced);
    ws.send(encodeRelaySignal({ type: 'ready' }));
    log.info({ replaced: previous !== undefined }, 'host control connected');
    this.#authority.onHostPresence?.(entry.id, true);
  }

  async #onGuest(ws: WebSocket, entry: SessionEntry, log: Logger): Promise<void> {
    // Attached before the first await so no early byte is missed.
    const queue = this.#queueFor(ws);
    const status = await this.#authority.sessionStatus(entry.id);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (status !== 'live') {
      closeWith(ws, status === 'ended' ? RELAY_CLOSE.sessionEnded : RELAY_CLOSE.unknownSession);
      return;
    }
    const control = entry.control;
    if (!control || control.readyState !== WebSocket.OPEN) {
      closeWith(ws, RELAY_CLOSE.hostNotConnected);
      return;
    }
    if (entry.pending.size >= this.limits.maxPendingGuestsPerSession) {
      log.warn({ limit: this.limits.maxPendingGuestsPerSession }, 'too many pending guests');
      closeWith(ws, RELAY_CLOSE.tooManyPending);
      return;
    }
    const connId = randomId();
    const timer = setTimeout(
      () => closeWith(ws, RELAY_CLOSE.pairingTimeout),
      this.limits.pairingTimeoutMs,
    );
    entry.pending.set(connId, { ws, queue, timer });
    ws.once('close', () => {
      clearTimeout(timer);
      if (entry.pending.get(connId)?.ws === ws) entry.pending.delete(connId);
    });
    control.send(encodeRelaySignal({ type: 'incoming', connId }));
    log.info({ connId }, 'guest waiting for the host');
  }

  async #onAccept(
    ws: WebSocket,
    entry: SessionEntry,
    token: string | undefined,
    connId: string,
    log: Logger,
  ): Promise<void> {
    const queue = this.#queueFor(ws);
    if (!(await this.#authorizeHost(ws, entry.id, token, log))) return;
    const pending = entry.pending.get(connId);
    if (!pending || pending.ws.readyState !== WebSocket.OPEN) {
      closeWith(ws, RELAY_CLOSE.unknownConnection);
      return;
    }
    entry.pending.delete(connId);
    clearTimeout(pending.timer);
    // `ready` goes out before any relayed byte, so clients can tell signals from the stream.
    const ready = encodeRelaySignal({ type: 'ready' });
    pending.ws.send(ready);
    ws.send(ready);
    new RelayPair({
      guest: pending.ws,
      host: ws,
      guestBacklog: pending.queue.drain(),
      hostBacklog: queue.drain(),
      bucket: entry.bucket,
      idleTimeoutMs: this.limits.idleTimeoutMs,
      highWaterBytes: this.limits.backpressureHighWaterBytes,
      onClose: (code, reason) => log.info({ code, reason }, 'pair closed'),
    });
    log.info('guest paired with the host');
  }

  #queueFor(ws: WebSocket): InboundQueue {
    return new InboundQueue(ws, this.limits.maxPendingBytes, (failure) =>
      closeWith(ws, failure === 'text' ? RELAY_CLOSE.badRequest : RELAY_CLOSE.pendingOverflow),
    );
  }

  /** Checks the session and host token, closing `ws` with the reason when they do not hold. */
  async #authorizeHost(
    ws: WebSocket,
    sessionId: string,
    token: string | undefined,
    log: Logger,
  ): Promise<boolean> {
    if (token === undefined) {
      closeWith(ws, RELAY_CLOSE.missingToken);
      return false;
    }
    const status = await this.#authority.sessionStatus(sessionId);
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (status !== 'live') {
      closeWith(ws, status === 'ended' ? RELAY_CLOSE.sessionEnded : RELAY_CLOSE.unknownSession);
      return false;
    }
    const valid = await this.#authority.verifyHostToken(sessionId, token);
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (!valid) {
      log.warn('wrong host token');
      closeWith(ws, RELAY_CLOSE.wrongToken);
    }
    return valid;
  }
}

function closeWith(ws: WebSocket, spec: RelayCloseSpec): void {
  if (ws.readyState === WebSocket.OPEN) ws.close(spec.code, spec.reason);
  else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
}

/** Sends 1001 and waits for the close, cutting the socket off after the grace period. */
function closeAndWait(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), SHUTDOWN_CLOSE_GRACE_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    closeWith(ws, RELAY_CLOSE.goingAway);
  });
}

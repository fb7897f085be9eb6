import { WebSocket, type RawData } from 'ws';
import { UnknownSessionError } from '../protocol/errors.js';
import { silentLogger, type Logger } from '../log.js';
import { RELAY_CONNECT_TIMEOUT_MS, openRelaySocket, relayEndpoint } from './client.js';
import { relayCloseByCode } from './close-codes.js';
import { isRetryableRelayError, relayCloseError } from './errors.js';
import { isWellFormedId } from './ids.js';
import { KEEPALIVE_INTERVAL_MS } from './limits.js';
import { parseRelaySignal } from './messages.js';

/** First delay before reconnecting a lost control connection; doubles per failed attempt. */
export const RECONNECT_MIN_DELAY_MS = 500;

/** Longest delay between reconnection attempts. */
export const RECONNECT_MAX_DELAY_MS = 30_000;

/**
 * Delay between attempts once the relay no longer knows the session (its lobby restarted and
 * forgot it). A store that was only briefly out of reach may still know it; one request this
 * often costs the relay nothing.
 */
export const FORGOTTEN_RETRY_DELAY_MS = 30_000;

/**
 * A control connection that saw no ping for this long is taken for dead and replaced. The relay
 * pings every KEEPALIVE_INTERVAL_MS. Threat: a silently broken network leaving the host deaf.
 */
export const CONTROL_DEAD_AFTER_MS = Math.round(KEEPALIVE_INTERVAL_MS * 2.5);

/**
 * Where a control connection stands, as reported to `onStatus`. `forgotten`: after the
 * connection was lost, the relay answered that it does not know the session (its lobby
 * restarted without the session); attempts go on every {@link FORGOTTEN_RETRY_DELAY_MS}, and
 * `forgotten` is reported once until the next `connected`.
 */
export type RelayControlStatus = 'connected' | 'reconnecting' | 'forgotten' | 'closed';

/** Options for {@link connectRelayHostControl}. */
export interface RelayHostControlOptions {
  /** The relay base URL from registration, such as `wss://lobby.example/v1/relay`. */
  relayUrl: string;
  sessionId: string;
  /** The host token from registration; sent only as an Authorization header. */
  hostToken: string;
  /** Called for each guest waiting to be accepted; open it with `openRelayHostData`. */
  onIncoming(connId: string): void;
  /** Called when the connection comes, drops (with the reason) and ends for good. */
  onStatus?(status: RelayControlStatus, error?: Error): void;
  /** Reconnect with backoff after a retryable drop; defaults to true. */
  reconnect?: boolean;
  /** Defaults to {@link CONTROL_DEAD_AFTER_MS}. */
  deadAfterMs?: number;
  /** Defaults to {@link FORGOTTEN_RETRY_DELAY_MS}. */
  forgottenRetryDelayMs?: number;
  /** Defaults to {@link RELAY_CONNECT_TIMEOUT_MS}. */
  timeoutMs?: number;
  logger?: Logger;
}

/** The host's control connection to the relay. */
export interface RelayControl {
  /** Closes it for good; resolves once closed. */
  close(): Promise<void>;
  /** Settles when the connection ends for good: `undefined` after `close()`, else the reason. */
  readonly closed: Promise<Error | undefined>;
}

/**
 * Opens the host's control connection and keeps it open: lost connections are reopened with
 * exponential backoff unless the relay said retrying is pointless (session ended, wrong token,
 * replaced by another host). A session the relay stops knowing after a restart is reported as
 * `forgotten` and retried slowly. Rejects if the first attempt fails.
 */
export async function connectRelayHostControl(
  options: RelayHostControlOptions,
): Promise<RelayControl> {
  const control = new HostControl(options);
  await control.connect();
  return control;
}

class HostControl implements RelayControl {
  readonly closed: Promise<Error | undefined>;
  readonly #options: RelayHostControlOptions;
  readonly #url: URL;
  readonly #log: Logger;
  #resolveClosed!: (error: Error | undefined) => void;
  #ws: WebSocket | undefined;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #deadTimer: NodeJS.Timeout | undefined;
  #done = false;
  #forgotten = false;

  constructor(options: RelayHostControlOptions) {
    this.#options = options;
    this.#url = relayEndpoint(options.relayUrl, 'host', options.sessionId);
    this.#log = (options.logger ?? silentLogger).child({ sessionId: options.sessionId });
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  connect(): Promise<void> {
    const socketOptions = {
      hostToken: this.#options.hostToken,
      timeoutMs: this.#options.timeoutMs,
    };
    return openRelaySocket(this.#url, socketOptions, (ws) => this.#adopt(ws));
  }

  async close(): Promise<void> {
    const ws = this.#ws;
    this.#finish(undefined);
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), 1_000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }

  #adopt(ws: WebSocket): void {
    if (this.#done) {
      ws.close(1000);
      return;
    }
    this.#ws = ws;
    this.#attempt = 0;
    this.#forgotten = false;
    const deadAfterMs = this.#options.deadAfterMs ?? CONTROL_DEAD_AFTER_MS;
    this.#deadTimer = setTimeout(() => {
      this.#log.warn('relay control connection silent for too long; reconnecting');
      ws.terminate();
    }, deadAfterMs);
    ws.on('ping', () => this.#deadTimer?.refresh());
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('error', (error) => this.#log.debug({ err: error.message }, 'relay control error'));
    ws.once('close', (code, reason) => this.#onClose(ws, code, reason.toString()));
    this.#log.info('relay control connected');
    this.#options.onStatus?.('connected');
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const signal = isBinary ? undefined : parseRelaySignal(data.toString());
    if (signal?.type !== 'incoming' || !isWellFormedId(signal.connId)) return;
    try {
      this.#options.onIncoming(signal.connId);
    } catch (error) {
      this.#log.error(
        { err: error instanceof Error ? error.message : String(error) },
        'onIncoming',
      );
    }
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    clearTimeout(this.#deadTimer);
    if (this.#ws === ws) this.#ws = undefined;
    if (this.#done) return;
    const error = relayCloseError(code, reason);
    const retryable = relayCloseByCode(code)?.retryable ?? true;
    if (this.#options.reconnect === false || (!retryable && !isForgotten(error))) {
      this.#finish(error);
      return;
    }
    this.#log.warn({ code }, 'relay control connection lost; reconnecting');
    this.#retryAfter(error);
  }

  /** Reports why the last attempt failed and schedules the next one. */
  #retryAfter(error: Error): void {
    if (isForgotten(error)) {
      if (!this.#forgotten) {
        this.#forgotten = true;
        this.#log.warn('the relay no longer knows this session; retrying now and then');
        this.#options.onStatus?.('forgotten', error);
      }
    } else if (!this.#forgotten) {
      // Once forgotten, a relay that is down again changes nothing the host can act on.
      this.#options.onStatus?.('reconnecting', error);
    }
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    const base = this.#forgotten
      ? (this.#options.forgottenRetryDelayMs ?? FORGOTTEN_RETRY_DELAY_MS)
      : Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_MIN_DELAY_MS * 2 ** this.#attempt);
    // Jitter spreads out hosts that all lost the same relay at once.
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      // Through a promise, so that even a synchronous throw is a failed attempt, not a crash.
      Promise.resolve()
        .then(() => this.connect())
        .catch((error: unknown) => {
          if (this.#done) return;
          const reason = error instanceof Error ? error : new Error(String(error));
          this.#log.debug({ err: reason.message }, 'relay control reconnect attempt failed');
          if (!isRetryableRelayError(reason) && !isForgotten(reason)) {
            this.#finish(reason);
            return;
          }
          this.#retryAfter(reason);
        });
    }, delay);
  }

  #finish(error: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    if (error) this.#log.error({ err: error.message }, 'relay control connection closed for good');
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#deadTimer);
    this.#options.onStatus?.('closed', error);
    this.#resolveClosed(error);
  }
}

/**
 * Whether the relay answered that it does not know the session. Met on a reconnect, this means
 * the lobby forgot a session it once registered (an in-memory store restarted), not a bad link.
 */
function isForgotten(error: Error): boolean {
  return error instanceof UnknownSessionError;
}

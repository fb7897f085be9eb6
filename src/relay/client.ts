import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { RelayError, printable, relayCloseError } from './errors.js';
import { isWellFormedId } from './ids.js';
import { MAX_FRAME_BYTES } from './limits.js';
import { parseRelaySignal } from './messages.js';
import { WebSocketDuplex } from './websocket-duplex.js';

/**
 * How long opening a relay connection may take, including waiting to be paired (the relay's
 * own pairing timeout is 15 s). Threat: a relay that never answers hanging the agent.
 */
export const RELAY_CONNECT_TIMEOUT_MS = 30_000;

/** Largest part of a refusal body read. Threat: a hostile relay streaming an endless body. */
const MAX_REFUSAL_BODY_BYTES = 4096;

/** Options for {@link openRelayGuest}. */
export interface RelayGuestOptions {
  /** The relay base URL the lobby gave, such as `wss://lobby.example/v1/relay`. */
  relayUrl: string;
  sessionId: string;
  /** Defaults to {@link RELAY_CONNECT_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Options for {@link openRelayHostData}. */
export interface RelayHostDataOptions {
  relayUrl: string;
  sessionId: string;
  /** The host token from registration; sent only as an Authorization header. */
  hostToken: string;
  /** The id from the relay's `incoming` signal. */
  connId: string;
  /** Defaults to {@link RELAY_CONNECT_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * Opens a guest's stream through the relay. Resolves once the host has accepted it, with the
 * raw bytes as a Duplex; rejects with an error that says why otherwise (host not connected,
 * session ended, too many guests waiting, ...).
 */
export async function openRelayGuest(options: RelayGuestOptions): Promise<Duplex> {
  const url = relayEndpoint(options.relayUrl, 'guest', options.sessionId);
  return openRelaySocket(url, { timeoutMs: options.timeoutMs }, (ws) => new WebSocketDuplex(ws));
}

/** Opens the host's stream for the guest `connId` announced on the control connection. */
export async function openRelayHostData(options: RelayHostDataOptions): Promise<Duplex> {
  const url = relayEndpoint(options.relayUrl, 'accept', options.sessionId, options.connId);
  const socketOptions = { hostToken: options.hostToken, timeoutMs: options.timeoutMs };
  return openRelaySocket(url, socketOptions, (ws) => new WebSocketDuplex(ws));
}

/**
 * The URL of one relay endpoint.
 * @throws {RangeError} when `relayUrl` is not a ws:// or wss:// URL or an id is malformed.
 */
export function relayEndpoint(relayUrl: string, ...segments: string[]): URL {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    throw new RangeError(`Not a relay URL: ${JSON.stringify(relayUrl.slice(0, 200))}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new RangeError(`A relay URL starts with ws:// or wss://, got ${url.protocol}`);
  }
  for (const segment of segments.slice(1)) {
    const shown = segment.slice(0, 80);
    if (!isWellFormedId(segment)) throw new RangeError(`Malformed relay id: ${shown}`);
  }
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${segments.join('/')}`;
  return url;
}

/** Options for {@link openRelaySocket}. */
export interface OpenRelaySocketOptions {
  /** Sent as `Authorization: Bearer`, for the host endpoints. */
  hostToken?: string;
  timeoutMs?: number | undefined;
}

/**
 * Connects to a relay endpoint, waits for its `ready` signal and hands the socket to `adopt`.
 * Rejects with a {@link RelayError} (or the shared session errors) if the relay refuses, closes
 * first, or is unreachable.
 *
 * `adopt` runs synchronously inside the `ready` message event: bytes that arrived in the same
 * TCP segment are emitted right after it, so whoever takes the socket over must listen before
 * the event returns, not a microtask later.
 */
export function openRelaySocket<T>(
  url: URL,
  options: OpenRelaySocketOptions,
  adopt: (ws: WebSocket) => T,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? RELAY_CONNECT_TIMEOUT_MS;
  const headers: Record<string, string> = {};
  if (options.hostToken !== undefined) headers.authorization = `Bearer ${options.hostToken}`;
  const ws = new WebSocket(url, {
    headers,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    followRedirects: false,
    handshakeTimeout: timeoutMs,
  });
  const where = url.origin;
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      failure ??= error;
      ws.terminate();
    };
    const timer = setTimeout(
      () => fail(new RelayError(`The relay at ${where} did not answer within ${timeoutMs} ms.`)),
      timeoutMs,
    );
    const onMessage = (data: RawData, isBinary: boolean): void => {
      const signal = isBinary ? undefined : parseRelaySignal(data.toString());
      if (signal?.type === 'ready') {
        cleanup();
        try {
          resolve(adopt(ws));
        } catch (error) {
          ws.terminate();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      } else {
        fail(new RelayError('The relay sent data before the connection was ready; update Tandem.'));
      }
    };
    const onError = (error: Error): void => {
      failure ??= new RelayError(`Cannot reach the relay at ${where}: ${error.message}`, {
        cause: error,
      });
    };
    const onClose = (code: number, reason: Buffer): void => {
      cleanup();
      reject(failure ?? relayCloseError(code, reason.toString()));
    };
    const onUnexpectedResponse = (_request: unknown, response: IncomingMessage): void => {
      void readRefusal(response).then((error) => fail(error));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('unexpected-response', onUnexpectedResponse);
      ws.off('error', onError);
    };
    ws.on('message', onMessage);
    ws.on('error', onError);
    ws.on('close', onClose);
    ws.on('unexpected-response', onUnexpectedResponse);
  });
}

/** Turns a non-101 answer into an error carrying the relay's `{ error, message }`. */
async function readRefusal(response: IncomingMessage): Promise<RelayError> {
  const status = response.statusCode ?? 0;
  let text = '';
  try {
    for await (const chunk of response) {
      text += String(chunk);
      if (text.length > MAX_REFUSAL_BODY_BYTES) break;
    }
  } catch {
    // The body is a nicety; the status says enough.
  }
  let message = '';
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') message = ` ${printable(body.message)}`;
  } catch {
    // Not our relay, or a proxy's error page.
  }
  return new RelayError(`The relay refused the connection (HTTP ${status}).${message}`, {
    httpStatus: status,
    retryable: status >= 500 || status === 429,
  });
}

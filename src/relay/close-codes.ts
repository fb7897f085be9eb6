/**
 * The one table of how the relay ends a connection, shared by the relay and its clients.
 *
 * Two layers, chosen by what is known when:
 * - Before the upgrade, only the URL and the relay's capacity are checked. Those failures are
 *   plain HTTP answers with a JSON `{ error, message }` body (see {@link RELAY_HTTP_ERRORS}).
 * - Everything that needs the session (its state, the host token, pairing) is decided after
 *   the upgrade, and the relay closes the WebSocket with one of the codes below. Clients
 *   therefore learn the outcome from the close code, never from a half-open socket.
 *
 * A relay connection that is accepted gets a text message `{"type":"ready"}` first (see
 * messages.ts); a close before it means refusal, a close after it means the stream ended.
 *
 * Clients close with 1000 when done and 4000 when failing. When one side of a pair closes, the
 * relay closes the other with 1000 (for 1000 or 1005), 1001, the same code for 3000-3999 (left
 * to the agents), and 4502 for anything else: a peer can never make the other side see a relay
 * code such as 4410.
 */

/** One way the relay closes a WebSocket. */
export interface RelayCloseSpec {
  /** WebSocket close code. */
  readonly code: number;
  /** Close reason sent on the wire (short, at most 123 bytes). */
  readonly reason: string;
  /** What the person should do, for error messages on the client side. */
  readonly advice: string;
  /** Whether a client may reconnect and expect a different outcome. */
  readonly retryable: boolean;
}

/** Close codes and reasons used by the relay. */
export const RELAY_CLOSE = {
  /** Either side ended the stream normally; the relay closes the other side the same way. */
  normal: { code: 1000, reason: 'closed', advice: '', retryable: true },
  /** The relay is shutting down. */
  goingAway: {
    code: 1001,
    reason: 'relay is shutting down',
    advice: 'Try again in a moment.',
    retryable: true,
  },
  /** A frame exceeded the frame limit; sent by the ws library itself. */
  frameTooLarge: {
    code: 1009,
    reason: 'frame too large',
    advice: 'This is a bug in the sending Tandem; update it.',
    retryable: false,
  },
  /** The relay failed unexpectedly while handling this connection. */
  internal: { code: 1011, reason: 'relay error', advice: 'Try again.', retryable: true },
  /** A text frame on a data connection, or another request the relay cannot parse. */
  badRequest: {
    code: 4400,
    reason: 'malformed relay request',
    advice: 'Update Tandem on both sides.',
    retryable: false,
  },
  /** A host endpoint was used without `Authorization: Bearer <hostToken>`. */
  missingToken: {
    code: 4401,
    reason: 'missing host token',
    advice: 'Only the host agent may use this endpoint.',
    retryable: false,
  },
  /** The host token does not belong to the session. */
  wrongToken: {
    code: 4403,
    reason: 'wrong host token',
    advice: 'Restart `tandem host` to register a new session.',
    retryable: false,
  },
  /** The session id is not known to the lobby. */
  unknownSession: {
    code: 4404,
    reason: 'unknown session',
    advice: 'Check the link, or ask the host for a new one.',
    retryable: false,
  },
  /** The host accepted a guest connection id that is unknown, taken or expired. */
  unknownConnection: {
    code: 4406,
    reason: 'unknown or expired guest connection',
    advice: 'The guest gave up or was already accepted; nothing to do.',
    retryable: false,
  },
  /** A paired stream carried no bytes for the idle timeout. */
  idleTimeout: {
    code: 4408,
    reason: 'connection idle for too long',
    advice: 'Reconnect when you need the session again.',
    retryable: true,
  },
  /** Another host control connection for the same session took over. */
  replaced: {
    code: 4409,
    reason: 'replaced by a newer host control connection',
    advice: 'Another `tandem host` process took over this session.',
    retryable: false,
  },
  /** The session ended; everything of it is closed. */
  sessionEnded: {
    code: 4410,
    reason: 'session ended',
    advice: 'Ask the host for a new link.',
    retryable: false,
  },
  /** A guest sent more than the pending-bytes limit before the host accepted it. */
  pendingOverflow: {
    code: 4413,
    reason: 'too many bytes before the host accepted',
    advice: 'Wait for the relay to pair the connection before sending.',
    retryable: true,
  },
  /** Too many guests are already waiting for this host. */
  tooManyPending: {
    code: 4429,
    reason: 'too many guests waiting for the host',
    advice: 'Try again in a few seconds.',
    retryable: true,
  },
  /** The other side of a pair vanished without a clean close. */
  peerLost: {
    code: 4502,
    reason: 'the other side disconnected',
    advice: 'Reconnect.',
    retryable: true,
  },
  /** The session has no host control connection, so nobody can accept the guest. */
  hostNotConnected: {
    code: 4503,
    reason: 'host is not connected to the relay',
    advice: 'Ask the host to check that `tandem host` is still running.',
    retryable: true,
  },
  /** The host did not open its data connection within the pairing timeout. */
  pairingTimeout: {
    code: 4504,
    reason: 'host did not accept the connection in time',
    advice: 'Ask the host to check its network, then try again.',
    retryable: true,
  },
} as const satisfies Record<string, RelayCloseSpec>;

/** The name of an entry of {@link RELAY_CLOSE}. */
export type RelayCloseName = keyof typeof RELAY_CLOSE;

/** HTTP answers the relay gives instead of upgrading. Bodies are `{ error, message }`. */
export const RELAY_HTTP_ERRORS = {
  /** The path is under the relay prefix but names no relay endpoint. */
  notFound: {
    status: 404,
    error: 'not_found',
    message: 'No such relay endpoint; update Tandem.',
  },
  /** A session or connection id in the path is not well-formed. */
  badId: {
    status: 400,
    error: 'bad_id',
    message: 'The session or connection id in the path is malformed; check the link.',
  },
  /** The relay holds as many connections as it may. */
  full: {
    status: 503,
    error: 'relay_full',
    message: 'The relay is at its connection limit; try again shortly.',
  },
  /** The relay is shutting down. */
  closing: {
    status: 503,
    error: 'relay_closing',
    message: 'The relay is shutting down; try again shortly.',
  },
  /** A relay path was requested without a WebSocket upgrade. */
  upgradeRequired: {
    status: 426,
    error: 'upgrade_required',
    message: 'This is a WebSocket endpoint of the Tandem relay; connect with Tandem.',
  },
} as const;

/** Finds the table entry for a close code, if the relay defines it. */
export function relayCloseByCode(code: number): RelayCloseSpec | undefined {
  return Object.values(RELAY_CLOSE).find((spec) => spec.code === code);
}

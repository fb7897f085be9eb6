import { SessionEndedError, UnknownSessionError } from '../protocol/errors.js';
import { RELAY_CLOSE, relayCloseByCode } from './close-codes.js';

/** Options for {@link RelayError}. */
export interface RelayErrorOptions extends ErrorOptions {
  /** The WebSocket close code the relay sent, if it sent one. */
  closeCode?: number;
  /** The HTTP status the relay refused the upgrade with, if it did. */
  httpStatus?: number;
  /** Whether trying again may succeed. */
  retryable?: boolean;
}

/** The relay refused a connection or ended it; the message says what happened and what to do. */
export class RelayError extends Error {
  override name = 'RelayError';
  /** The WebSocket close code the relay sent, if any. */
  readonly closeCode: number | undefined;
  /** The HTTP status of a refused upgrade, if any. */
  readonly httpStatus: number | undefined;
  /** Whether trying again may succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, options);
    this.closeCode = options.closeCode;
    this.httpStatus = options.httpStatus;
    this.retryable = options.retryable ?? true;
  }
}

/**
 * The error for a relay connection closed with `code` and `reason`. "Session ended" and
 * "unknown session" become the shared {@link SessionEndedError} and {@link UnknownSessionError}
 * (with the {@link RelayError} as `cause`), so agents handle them the same way as the lobby's.
 */
export function relayCloseError(code: number, reason: string): Error {
  const spec = relayCloseByCode(code);
  const said = printable(spec?.reason ?? reason) || `closed with code ${code}`;
  const advice = spec?.advice ? ` ${spec.advice}` : '';
  const error = new RelayError(`The relay closed the connection: ${said} (${code}).${advice}`, {
    closeCode: code,
    retryable: spec?.retryable ?? true,
  });
  if (code === RELAY_CLOSE.sessionEnded.code) return new SessionEndedError({ cause: error });
  if (code === RELAY_CLOSE.unknownSession.code) return new UnknownSessionError({ cause: error });
  return error;
}

/** Whether an error from a relay connection attempt is worth retrying. */
export function isRetryableRelayError(error: unknown): boolean {
  return error instanceof RelayError && error.retryable;
}

/** Text from the network, with control characters removed and its length capped. */
export function printable(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .slice(0, 200)
    .trim();
}

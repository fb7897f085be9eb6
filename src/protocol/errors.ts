import { WIRE_ERRORS, type WireErrorCode } from './close-codes.js';

/** A failure that is reported to the peer with a wire error code before the connection closes. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    readonly code: WireErrorCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Builds the error for a code with the table's standard reason. */
  static of(code: WireErrorCode): ProtocolError {
    return new ProtocolError(WIRE_ERRORS[code], code);
  }
}

/** The host did not present the certificate whose fingerprint the link pins. */
export class IdentityMismatchError extends Error {
  override name = 'IdentityMismatchError';
  constructor(options?: ErrorOptions) {
    super(
      "The host's certificate does not match the fingerprint in the link: someone may be " +
        'impersonating the host. Do not continue; ask the host for a fresh link over a channel you trust.',
      options,
    );
  }
}

/** The lobby does not know the session id in the link. */
export class UnknownSessionError extends Error {
  override name = 'UnknownSessionError';
  constructor(options?: ErrorOptions) {
    super('Unknown session: check the link, or ask the host for a new one.', options);
  }
}

/** The session behind the link has ended. */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError';
  constructor(options?: ErrorOptions) {
    super('This session has ended; ask the host for a new link.', options);
  }
}

/** The lobby could not be reached or answered something unusable. */
export class LobbyUnreachableError extends Error {
  override name = 'LobbyUnreachableError';
  constructor(url: string, options?: ErrorOptions) {
    super(
      `Cannot reach the lobby at ${url}: check the address and your network, then try again.`,
      options,
    );
  }
}

/** The host refused the guest, or removed it. */
export class DeniedError extends Error {
  override name = 'DeniedError';
  constructor(message = 'The host denied the request to join.', options?: ErrorOptions) {
    super(message, options);
  }
}

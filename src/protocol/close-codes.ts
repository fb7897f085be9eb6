/**
 * The one table of wire errors shared by host and guest. An `error` message carries the code
 * and a reason; the side that sends it then closes the connection.
 */
export const WIRE_ERRORS = {
  unsupported_protocol: 'The other side speaks a different Tandem protocol version; update Tandem.',
  malformed_message: 'The other side sent a message that is not valid Tandem protocol.',
  frame_too_large: 'The other side sent a message larger than the frame limit.',
  unexpected_message: 'The other side sent a message that is not allowed at this point.',
  handshake_timeout: 'The other side did not finish the Tandem handshake in time.',
  too_many_pending: 'The host has too many guests waiting for approval; try again shortly.',
  denied: 'The host denied the request to join.',
  removed: 'The host removed you from the session.',
  session_ended: 'The host ended the session.',
  internal: 'Internal error on the other side.',
} as const;

/** A code from {@link WIRE_ERRORS}. */
export type WireErrorCode = keyof typeof WIRE_ERRORS;

/** The wire error codes as a tuple, for schema validation. */
export const WIRE_ERROR_CODES = Object.keys(WIRE_ERRORS) as [WireErrorCode, ...WireErrorCode[]];

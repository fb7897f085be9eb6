import { randomBytes } from 'node:crypto';

/** Random bytes in a connection id: 128 bits, so ids cannot be guessed to hijack a pairing. */
export const CONNECTION_ID_BYTES = 16;

/**
 * Shape of session and connection ids: base64url, 22 to 64 characters. Anything else is refused
 * before any lookup, so odd input never reaches a store, a log line or a map key.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9_-]{22,64}$/;

/** Whether `value` has the shape of a session or connection id. */
export function isWellFormedId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED_ID.test(value);
}

/** Makes a fresh random id of `bytes` random bytes, base64url. */
export function randomId(bytes = CONNECTION_ID_BYTES): string {
  if (!Number.isSafeInteger(bytes) || bytes < 16) {
    throw new RangeError(`An id needs at least 16 random bytes, got ${bytes}`);
  }
  return randomBytes(bytes).toString('base64url');
}

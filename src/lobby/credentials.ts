import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random bytes in a session id: 128 bits, so ids cannot be guessed or enumerated. */
export const SESSION_ID_BYTES = 16;

/** Random bytes in a host token: 256 bits, the only secret the lobby hands out. */
export const HOST_TOKEN_BYTES = 32;

/** Makes a fresh session id (base64url). */
export function newSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}

/** Makes a fresh host token (base64url). Only its hash is stored. */
export function newHostToken(): string {
  return randomBytes(HOST_TOKEN_BYTES).toString('base64url');
}

/** SHA-256 of a host token, base64url: what the store keeps instead of the token. */
export function hashHostToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Whether `token` hashes to `expectedHash`, compared in constant time. */
export function hostTokenMatches(token: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashHostToken(token), 'base64url');
  const expected = Buffer.from(expectedHash, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

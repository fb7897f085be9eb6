/** Longest bearer token accepted; a longer header is refused unread. Threat: oversized headers. */
export const MAX_BEARER_TOKEN_LENGTH = 256;

/** RFC 6750 §2.1 `b64token`, within our length limit. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Reads the token of an `Authorization: Bearer <token>` header. Returns `undefined` when the
 * header is missing, is another scheme, or is malformed, so callers answer "missing token".
 */
export function parseBearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_BEARER_TOKEN_LENGTH + 16) return undefined;
  const token = BEARER.exec(header)?.[1];
  return token !== undefined && token.length <= MAX_BEARER_TOKEN_LENGTH ? token : undefined;
}

import { RELAY_HTTP_ERRORS } from './close-codes.js';
import { isWellFormedId } from './ids.js';

/** Path prefix of the relay's endpoints on a lobby or relay node. */
export const RELAY_BASE_PATH = '/v1/relay';

/** A relay endpoint, parsed from an upgrade request's path. */
export type RelayRoute =
  | { kind: 'host'; sessionId: string }
  | { kind: 'guest'; sessionId: string }
  | { kind: 'accept'; sessionId: string; connId: string };

/** An HTTP refusal given before upgrading. */
export type RelayHttpError = (typeof RELAY_HTTP_ERRORS)[keyof typeof RELAY_HTTP_ERRORS];

/** Outcome of {@link matchRelayPath} for a path under the relay prefix. */
export type RelayPathMatch = { route: RelayRoute } | { refuse: RelayHttpError };

/**
 * Parses `url` (a request target such as `/v1/relay/guest/<id>?x`). Returns `undefined` when the
 * path is not under `basePath` at all, so the caller can answer it another way.
 */
export function matchRelayPath(
  url: string,
  basePath = RELAY_BASE_PATH,
): RelayPathMatch | undefined {
  const path = url.split('?', 1)[0] ?? '';
  if (path !== basePath && !path.startsWith(`${basePath}/`)) return undefined;
  const parts = path.slice(basePath.length + 1).split('/');
  const [kind, sessionId, connId] = parts;
  const arity = kind === 'accept' ? 3 : 2;
  if ((kind !== 'host' && kind !== 'guest' && kind !== 'accept') || parts.length !== arity) {
    return { refuse: RELAY_HTTP_ERRORS.notFound };
  }
  if (!isWellFormedId(sessionId)) return { refuse: RELAY_HTTP_ERRORS.badId };
  if (kind !== 'accept') return { route: { kind, sessionId } };
  if (!isWellFormedId(connId)) return { refuse: RELAY_HTTP_ERRORS.badId };
  return { route: { kind, sessionId, connId } };
}

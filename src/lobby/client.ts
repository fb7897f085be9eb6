import {
  LobbyUnreachableError,
  SessionEndedError,
  UnknownSessionError,
} from '../protocol/errors.js';

/**
 * The lobby does not know a session it once resolved: it most likely restarted and lost its
 * in-memory sessions. Not the host ending the session, which the lobby reports as ended.
 */
export class SessionForgottenError extends UnknownSessionError {
  override name = 'SessionForgottenError';
  constructor(lobbyUrl: string, options?: ErrorOptions) {
    super(options);
    this.message =
      `The lobby at ${lobbyUrl} no longer knows this session (it may have restarted); ` +
      'ask the host for a new link.';
  }
}

/** How long one lobby request may take before the lobby counts as unreachable. */
export const LOBBY_REQUEST_TIMEOUT_MS = 10_000;

/** A direct address where the host accepts TLS connections. */
export interface DirectAddress {
  host: string;
  port: number;
}

/** What the lobby answers to a host registering a session. */
export interface RegisteredSession {
  sessionId: string;
  /** Secret for host operations; never logged. */
  hostToken: string;
  joinUrl: string;
  relayUrl: string;
}

/** What the lobby tells a guest about a session. */
export interface SessionParameters {
  sessionId: string;
  name: string;
  direct: DirectAddress[];
  relayUrl: string;
}

/** Options for {@link registerSession}. */
export interface RegisterSessionOptions {
  name: string;
  direct: DirectAddress[];
}

/** Registers a new session (DESIGN.md, step 1). */
export async function registerSession(
  lobbyUrl: string,
  options: RegisterSessionOptions,
): Promise<RegisteredSession> {
  const response = await request(lobbyUrl, '/v1/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: options.name, direct: options.direct }),
  });
  if (response.status !== 201) throw await lobbyError(response, lobbyUrl);
  const body = (await readJson(response, lobbyUrl)) as RegisteredSession;
  if (!body || typeof body.sessionId !== 'string' || typeof body.hostToken !== 'string') {
    throw new LobbyUnreachableError(lobbyUrl, { cause: new Error('malformed registration') });
  }
  return body;
}

/**
 * Asks the lobby how to reach a session (DESIGN.md, step 3). Only the session id is sent:
 * the fingerprint stays with the caller.
 */
export async function lookupSession(
  lobbyUrl: string,
  sessionId: string,
): Promise<SessionParameters> {
  const response = await request(lobbyUrl, `/v1/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'GET',
  });
  if (response.status !== 200) throw await lobbyError(response, lobbyUrl);
  const body = (await readJson(response, lobbyUrl)) as SessionParameters;
  if (!body || !Array.isArray(body.direct) || typeof body.relayUrl !== 'string') {
    throw new LobbyUnreachableError(lobbyUrl, { cause: new Error('malformed session parameters') });
  }
  return body;
}

/** Ends a session at the lobby: its link goes dead and the relay drops its connections. */
export async function endSession(
  lobbyUrl: string,
  session: Pick<RegisteredSession, 'sessionId' | 'hostToken'>,
): Promise<void> {
  const response = await request(
    lobbyUrl,
    `/v1/sessions/${encodeURIComponent(session.sessionId)}`,
    {
      method: 'DELETE',
      headers: { authorization: `Bearer ${session.hostToken}` },
    },
  );
  if (response.status !== 204 && response.status !== 410 && response.status !== 404) {
    throw await lobbyError(response, lobbyUrl);
  }
}

async function request(lobbyUrl: string, path: string, init: RequestInit): Promise<Response> {
  const url = new URL(lobbyUrl);
  url.hash = '';
  url.pathname = url.pathname.replace(/\/$/, '') + path;
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(LOBBY_REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new LobbyUnreachableError(lobbyUrl, { cause: error });
  }
}

async function readJson(response: Response, lobbyUrl: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    // An HTML page from a proxy or another server: not a Tandem lobby.
    throw new LobbyUnreachableError(lobbyUrl, { cause: error });
  }
}

async function lobbyError(response: Response, lobbyUrl: string): Promise<Error> {
  let code = '';
  let message = '';
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    code = typeof body.error === 'string' ? body.error : '';
    message = typeof body.message === 'string' ? body.message : '';
  } catch {
    // Not JSON: not our lobby, or a proxy error page.
  }
  if (response.status === 410 || code === 'session_ended') return new SessionEndedError();
  if (response.status === 404 && code === 'unknown_session') return new UnknownSessionError();
  if (response.status >= 400 && response.status < 500 && code !== '' && message !== '') {
    // The lobby understood and refused (a name too long, say): its words say what to fix.
    return new Error(`The lobby refused the request: ${message}`);
  }
  return new LobbyUnreachableError(lobbyUrl, {
    cause: new Error(`HTTP ${response.status} ${code} ${message}`.trim()),
  });
}

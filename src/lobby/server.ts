import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger, type Logger } from '../log.js';
import {
  RELAY_BASE_PATH,
  Relay,
  isWellFormedId,
  rejectUpgrade,
  type RelayLimits,
  type RelaySessionAuthority,
} from '../relay/index.js';
import { API_ERRORS, installErrorHandlers } from './api-error.js';
import { registerApiRoutes } from './api-routes.js';
import type { LobbyContext } from './context.js';
import { hostTokenMatches } from './credentials.js';
import { HostPresenceMonitor } from './host-presence.js';
import { registerJoinPage } from './join-page.js';
import { resolveLobbyLimits, type LobbyLimits } from './limits.js';
import { MemorySessionStore } from './memory-session-store.js';
import { localUrl, normalizePublicUrl, relayUrlFor } from './public-url.js';
import type { SessionStore } from './session-store.js';

/** Address the lobby listens on by default: all interfaces. */
export const DEFAULT_LOBBY_HOST = '0.0.0.0';

/** Port the lobby listens on by default. */
export const DEFAULT_LOBBY_PORT = 8787;

/** Options for {@link createLobbyServer}. */
export interface LobbyServerOptions {
  /** Address to listen on; defaults to {@link DEFAULT_LOBBY_HOST}. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Defaults to {@link DEFAULT_LOBBY_PORT}. */
  port?: number;
  /**
   * Origin that people and agents reach the lobby at, such as `https://lobby.example`; join
   * links and relay URLs are built from it. Defaults to `http://<host>:<port>` as listening.
   */
  publicUrl?: string | undefined;
  /**
   * Host name or address for the default public URL, `http://<publicHost>:<actual port>`, when
   * `publicUrl` is not given: what an embedded lobby on a wildcard address advertises.
   */
  publicHost?: string | undefined;
  /** Where to log; nothing is logged by default. Never receives tokens. */
  logger?: Logger;
  /** Overrides of the lobby limits. */
  limits?: Partial<LobbyLimits>;
  /** Overrides of the embedded relay's limits. */
  relayLimits?: Partial<RelayLimits>;
  /** Session store; defaults to a new {@link MemorySessionStore}, which the server closes. */
  store?: SessionStore;
}

/** A running lobby with its embedded relay. */
export interface LobbyServer {
  /** Where this process listens, for local clients (`http://127.0.0.1:PORT` for 0.0.0.0). */
  readonly url: string;
  /** The origin in join links and relay URLs. */
  readonly publicUrl: string;
  /** The relay base URL handed out (`ws(s)://<public origin>/v1/relay`). */
  readonly relayUrl: string;
  /** The session store. */
  readonly sessions: SessionStore;
  /** The embedded relay. */
  readonly relay: Relay;
  /** Ends a session as if its host had asked; returns whether it was live. */
  endSession(sessionId: string): Promise<boolean>;
  /** Closes every connection, HTTP and WebSocket, and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a lobby: the session API, the join page and the embedded relay on one HTTP server.
 * Resolves once it listens.
 * @throws {RangeError} for a bad port, public URL or limit; listen errors (EADDRINUSE) as is.
 */
export async function createLobbyServer(options: LobbyServerOptions = {}): Promise<LobbyServer> {
  const host = options.host ?? DEFAULT_LOBBY_HOST;
  const port = options.port ?? DEFAULT_LOBBY_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  const configuredPublicUrl =
    options.publicUrl === undefined ? undefined : normalizePublicUrl(options.publicUrl);
  const limits = resolveLobbyLimits(options.limits);
  const log = options.logger ?? silentLogger;
  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    new MemorySessionStore({
      tombstoneTtlMs: limits.endedTombstoneTtlMs,
      maxTombstones: limits.maxTombstones,
    });

  let publicUrl = configuredPublicUrl ?? '';
  const presence = new HostPresenceMonitor({
    graceMs: limits.hostGraceMs,
    onExpired: (sessionId) => {
      endSession(sessionId, 'host gone for longer than the grace period').catch((error: unknown) =>
        log.error({ sessionId, err: String(error) }, 'could not end an abandoned session'),
      );
    },
  });
  const authority: RelaySessionAuthority = {
    sessionStatus: async (sessionId) => (await store.get(sessionId)).status,
    verifyHostToken: async (sessionId, token) => {
      const lookup = await store.get(sessionId);
      return lookup.status === 'live' && hostTokenMatches(token, lookup.session.hostTokenHash);
    },
    onHostPresence: (sessionId, present) =>
      present ? presence.hostPresent(sessionId) : presence.hostAbsent(sessionId),
  };
  const relay = new Relay({
    authority,
    limits: options.relayLimits,
    logger: log.child({ component: 'relay' }),
  });
  const endSession = async (sessionId: string, reason: string): Promise<boolean> => {
    presence.forget(sessionId);
    const ended = await store.end(sessionId);
    relay.endSession(sessionId);
    if (ended) log.info({ sessionId, reason }, 'session ended');
    return ended;
  };

  const app = Fastify({
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Types must match exactly: "name": 5 is an error, not the string "5".
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, useDefaults: true } },
  });
  const context: LobbyContext = {
    store,
    limits,
    log,
    presence,
    publicUrl: () => publicUrl,
    relayUrl: () => relayUrlFor(publicUrl, RELAY_BASE_PATH),
    endSession,
  };
  installErrorHandlers(app, log);
  installHeaders(app, log);
  registerApiRoutes(app, context);
  registerJoinPage(app, context);
  app.server.on('upgrade', (request, socket, head) => {
    if (!relay.handleUpgrade(request, socket, head)) rejectUpgrade(socket, API_ERRORS.notFound);
  });

  const shutdown = async (): Promise<void> => {
    presence.stop();
    await relay.close();
    await app.close();
    if (ownsStore) await store.close();
  };
  try {
    await app.listen({ host, port });
  } catch (error) {
    await shutdown();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const url = localUrl(host, address.port);
  publicUrl =
    configuredPublicUrl ??
    (options.publicHost === undefined
      ? url
      : normalizePublicUrl(`http://${bracketIpv6(options.publicHost)}:${address.port}`));
  log.info({ url, publicUrl }, 'lobby listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    publicUrl,
    relayUrl: context.relayUrl(),
    sessions: store,
    relay,
    endSession: (sessionId) => endSession(sessionId, 'ended by the lobby'),
    close: () => (closing ??= shutdown()),
  };
}

/** Security headers on every answer, and one concise log line per request (no headers, no body). */
function installHeaders(app: FastifyInstance, log: Logger): void {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const id = (request.params as { id?: unknown } | undefined)?.id;
    log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        ...(isWellFormedId(id) ? { sessionId: id } : {}),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http',
    );
  });
}

function bracketIpv6(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

import type { FastifyInstance } from 'fastify';
import { RELAY_BASE_PATH, parseBearerToken } from '../relay/index.js';
import { API_ERRORS, sendApiError } from './api-error.js';
import { lookupSessionParam, type LobbyContext } from './context.js';
import { hashHostToken, hostTokenMatches, newHostToken, newSessionId } from './credentials.js';
import { sessionSchemas, type RegisterBody } from './schemas.js';

interface IdParams {
  id: string;
}

/** Registers `/healthz`, the `/v1/sessions` API and the plain-HTTP answer on relay paths. */
export function registerApiRoutes(app: FastifyInstance, context: LobbyContext): void {
  const { store, limits, log } = context;
  const schemas = sessionSchemas(limits);

  app.get('/healthz', async () => ({ ok: true }));

  app.post<{ Body: RegisterBody }>(
    '/v1/sessions',
    { schema: schemas.register },
    async (request, reply) => {
      const { name, direct } = request.body;
      const sessionId = newSessionId();
      const hostToken = newHostToken();
      const hostTokenHash = hashHostToken(hostToken);
      const record = { sessionId, name, direct, hostTokenHash, createdAt: Date.now() };
      if (!(await store.create(record, limits.maxSessions))) {
        log.warn({ limit: limits.maxSessions }, 'session limit reached, refusing registration');
        return sendApiError(reply, API_ERRORS.tooManySessions);
      }
      context.presence.hostAbsent(sessionId);
      log.info({ sessionId, direct: direct.length }, 'session registered');
      return reply.code(201).send({
        sessionId,
        hostToken,
        joinUrl: `${context.publicUrl()}/j/${sessionId}`,
        relayUrl: context.relayUrl(),
      });
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/sessions/:id',
    { schema: schemas.lookup },
    async (request, reply) => {
      const lookup = await lookupSessionParam(store, request.params.id);
      if (lookup.status === 'unknown') return sendApiError(reply, API_ERRORS.unknownSession);
      if (lookup.status === 'ended') return sendApiError(reply, API_ERRORS.sessionEnded);
      const { sessionId, name, direct } = lookup.session;
      return { sessionId, name, direct, relayUrl: context.relayUrl() };
    },
  );

  app.delete<{ Params: IdParams }>(
    '/v1/sessions/:id',
    { schema: schemas.end },
    async (request, reply) => {
      const lookup = await lookupSessionParam(store, request.params.id);
      if (lookup.status === 'unknown') return sendApiError(reply, API_ERRORS.unknownSession);
      if (lookup.status === 'ended') return sendApiError(reply, API_ERRORS.sessionEnded);
      const token = parseBearerToken(request.headers.authorization);
      if (token === undefined) {
        reply.header('www-authenticate', 'Bearer');
        return sendApiError(reply, API_ERRORS.missingToken);
      }
      if (!hostTokenMatches(token, lookup.session.hostTokenHash)) {
        log.warn({ sessionId: lookup.session.sessionId }, 'wrong host token on end');
        return sendApiError(reply, API_ERRORS.wrongToken);
      }
      await context.endSession(lookup.session.sessionId, 'ended by the host');
      return reply.code(204).send();
    },
  );

  // WebSocket upgrades on these paths never reach Fastify; a plain request does, and is told why.
  app.all(RELAY_BASE_PATH, async (_request, reply) =>
    sendApiError(reply, API_ERRORS.upgradeRequired),
  );
  app.all(`${RELAY_BASE_PATH}/*`, async (_request, reply) =>
    sendApiError(reply, API_ERRORS.upgradeRequired),
  );
}

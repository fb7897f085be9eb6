import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../log.js';

/** The body of every error answer: a stable code for programs, a sentence for people. */
export interface ApiErrorBody {
  error: string;
  /** What happened and what to do about it. */
  message: string;
}

/** The errors the lobby API answers with, by name. */
export const API_ERRORS = {
  unknownSession: {
    status: 404,
    error: 'unknown_session',
    message: 'No session has this id: check the link, or ask the host for a new one.',
  },
  sessionEnded: {
    status: 410,
    error: 'session_ended',
    message: 'This session has ended; ask the host for a new link.',
  },
  missingToken: {
    status: 401,
    error: 'missing_token',
    message: 'Send the host token as "Authorization: Bearer <hostToken>".',
  },
  wrongToken: {
    status: 403,
    error: 'wrong_token',
    message: 'The host token does not match this session; only its host may end it.',
  },
  tooManySessions: {
    status: 503,
    error: 'too_many_sessions',
    message: 'The lobby is at its session limit; try again later or use another lobby.',
  },
  notFound: {
    status: 404,
    error: 'not_found',
    message: 'No such endpoint; check the lobby URL and update Tandem.',
  },
  upgradeRequired: {
    status: 426,
    error: 'upgrade_required',
    message: 'This is a WebSocket endpoint of the Tandem relay; connect with Tandem.',
  },
} as const;

/** An entry of {@link API_ERRORS}. */
export type ApiError = (typeof API_ERRORS)[keyof typeof API_ERRORS];

/** Sends one of the {@link API_ERRORS}. */
export function sendApiError(reply: FastifyReply, apiError: ApiError): FastifyReply {
  const body: ApiErrorBody = { error: apiError.error, message: apiError.message };
  return reply.code(apiError.status).send(body);
}

/**
 * Makes every failure, including Fastify's own (validation, body size, content type), answer in
 * the `{ error, message }` shape. Internal errors are logged and answered without detail.
 */
export function installErrorHandlers(app: FastifyInstance, log: Logger): void {
  app.setNotFoundHandler((_request, reply) => sendApiError(reply, API_ERRORS.notFound));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    let body: ApiErrorBody;
    if (error.validation) {
      body = {
        error: 'invalid_request',
        message: `The request is invalid: ${error.message}. Fix it and send it again.`,
      };
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      body = { error: 'body_too_large', message: 'The request body is too large.' };
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      body = {
        error: 'unsupported_media_type',
        message: 'Send JSON with "Content-Type: application/json".',
      };
    } else if (status >= 400 && status < 500) {
      body = { error: 'bad_request', message: `The request is invalid: ${error.message}.` };
    } else {
      log.error({ err: error.message, route: request.routeOptions.url }, 'lobby request failed');
      body = { error: 'internal_error', message: 'The lobby failed on this request; try again.' };
      return reply.code(500).send(body);
    }
    return reply.code(status).send(body);
  });
}

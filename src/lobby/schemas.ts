import type { LobbyLimits } from './limits.js';

/** Longest host name in a direct address (RFC 1035 §2.3.4). */
const MAX_HOST_LENGTH = 253;

/**
 * Characters of host names and IPv4/IPv6 literals (with zone ids): nothing a shell, a page or a
 * log line could trip on.
 */
const HOST_PATTERN = '^[A-Za-z0-9.:%_\\-\\[\\]]+$';

/** No control characters in display names: they could forge lines in terminals and logs. */
const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f]+$';

/** Body of `POST /v1/sessions`, as received. */
export interface RegisterBody {
  name: string;
  direct: { host: string; port: number }[];
}

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

const directSchema = (limits: LobbyLimits) =>
  ({
    type: 'array',
    maxItems: limits.maxDirectAddresses,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port'],
      properties: {
        host: { type: 'string', minLength: 1, maxLength: MAX_HOST_LENGTH, pattern: HOST_PATTERN },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
      },
    },
  }) as const;

/**
 * Route schemas for the session API. Response schemas also act as an allow-list: the serializer
 * drops any field they do not name, so a record's token hash can never leak into a response.
 */
export function sessionSchemas(limits: LobbyLimits) {
  return {
    register: {
      body: {
        type: 'object',
        // Unknown fields are removed, not refused, so newer hosts still register.
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: {
            type: 'string',
            minLength: 1,
            maxLength: limits.maxSessionNameLength,
            pattern: NAME_PATTERN,
          },
          direct: { ...directSchema(limits), default: [] },
        },
      },
      response: {
        201: {
          type: 'object',
          required: ['sessionId', 'hostToken', 'joinUrl', 'relayUrl'],
          properties: {
            sessionId: { type: 'string' },
            hostToken: { type: 'string' },
            joinUrl: { type: 'string' },
            relayUrl: { type: 'string' },
          },
        },
        '4xx': errorSchema,
        '5xx': errorSchema,
      },
    },
    lookup: {
      response: {
        200: {
          type: 'object',
          required: ['sessionId', 'name', 'direct', 'relayUrl'],
          properties: {
            sessionId: { type: 'string' },
            name: { type: 'string' },
            direct: directSchema(limits),
            relayUrl: { type: 'string' },
          },
        },
        '4xx': errorSchema,
      },
    },
    end: {
      response: { '4xx': errorSchema },
    },
  };
}

/**
 * Live sessions one lobby holds; more registrations get 503. Threat: memory exhaustion by mass
 * registration.
 */
export const MAX_SESSIONS = 10_000;

/** Largest request body accepted. Threat: memory and CPU spent parsing oversized JSON. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Longest session display name, in characters. Threat: oversized names in pages and logs. */
export const MAX_SESSION_NAME_LENGTH = 64;

/** Direct addresses one session may list. Threat: guests told to dial huge address lists. */
export const MAX_DIRECT_ADDRESSES = 16;

/**
 * How long a session may go without its host's relay control connection before it ends. Threat:
 * abandoned sessions holding slots forever.
 */
export const HOST_GRACE_MS = 30_000;

/**
 * How long an ended session is remembered as ended (and nothing else), so its link says "ended"
 * rather than "unknown".
 */
export const ENDED_TOMBSTONE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Tombstones kept at most; the oldest are forgotten first. Threat: register-and-end loops growing
 * memory without bound.
 */
export const MAX_TOMBSTONES = 100_000;

/** Longest time one HTTP request may take. Threat: slowloris-style held connections. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The lobby's limits; every field defaults to the constant of the same name. */
export interface LobbyLimits {
  /** See {@link MAX_SESSIONS}. */
  maxSessions: number;
  /** See {@link MAX_BODY_BYTES}. */
  maxBodyBytes: number;
  /** See {@link MAX_SESSION_NAME_LENGTH}. */
  maxSessionNameLength: number;
  /** See {@link MAX_DIRECT_ADDRESSES}. */
  maxDirectAddresses: number;
  /** See {@link HOST_GRACE_MS}. */
  hostGraceMs: number;
  /** See {@link ENDED_TOMBSTONE_TTL_MS}. */
  endedTombstoneTtlMs: number;
  /** See {@link MAX_TOMBSTONES}. */
  maxTombstones: number;
  /** See {@link REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs: number;
}

/** The default lobby limits, all in one place. */
export const DEFAULT_LOBBY_LIMITS: Readonly<LobbyLimits> = Object.freeze({
  maxSessions: MAX_SESSIONS,
  maxBodyBytes: MAX_BODY_BYTES,
  maxSessionNameLength: MAX_SESSION_NAME_LENGTH,
  maxDirectAddresses: MAX_DIRECT_ADDRESSES,
  hostGraceMs: HOST_GRACE_MS,
  endedTombstoneTtlMs: ENDED_TOMBSTONE_TTL_MS,
  maxTombstones: MAX_TOMBSTONES,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
});

/**
 * Fills in defaults and checks that every limit is a positive integer.
 * @throws {RangeError} naming the offending limit and value.
 */
export function resolveLobbyLimits(overrides: Partial<LobbyLimits> = {}): LobbyLimits {
  const limits: LobbyLimits = { ...DEFAULT_LOBBY_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof LobbyLimits, unknown][]) {
    if (!(key in DEFAULT_LOBBY_LIMITS)) throw new RangeError(`Unknown lobby limit: ${key}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`Lobby limit ${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}

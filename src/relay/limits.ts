/**
 * Largest WebSocket message the relay accepts; bigger frames close that connection (1009). Threat:
 * one peer making the relay allocate huge buffers.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Bytes a guest may send before the host has accepted it. Threat: unpaired guests parking data in
 * relay memory.
 */
export const MAX_PENDING_BYTES = 64 * 1024;

/**
 * Guests that may wait for the host to accept them, per session. Threat: a flood of guests
 * exhausting one session's host and the relay's memory.
 */
export const MAX_PENDING_GUESTS_PER_SESSION = 8;

/**
 * How long a guest waits for the host's data connection. Threat: half-open pairings held forever.
 */
export const PAIRING_TIMEOUT_MS = 15_000;

/**
 * How long a paired connection may carry no bytes before it is closed. Threat: abandoned pairs
 * holding sockets.
 */
export const IDLE_TIMEOUT_MS = 10 * 60_000;

/**
 * Relayed bytes per second per session, both directions together; excess is delayed, never
 * dropped. Threat: one session starving the others of bandwidth.
 */
export const BYTES_PER_SECOND_PER_SESSION = 32 * 1024 * 1024;

/**
 * Interval between keepalive pings; a socket silent for two intervals is terminated. Threat: dead
 * TCP peers holding sockets and host presence.
 */
export const KEEPALIVE_INTERVAL_MS = 30_000;

/**
 * WebSocket connections one relay holds at once; more are refused with HTTP 503. Threat: file-
 * descriptor and memory exhaustion.
 */
export const MAX_RELAY_CONNECTIONS = 10_000;

/**
 * Bytes queued towards one side before the relay stops reading from the other. Threat: a slow
 * reader making the relay buffer a fast writer's stream.
 */
export const BACKPRESSURE_HIGH_WATER_BYTES = 1024 * 1024;

/** The relay's limits; every field defaults to the constant of the same name. */
export interface RelayLimits {
  /** See {@link MAX_FRAME_BYTES}. */
  maxFrameBytes: number;
  /** See {@link MAX_PENDING_BYTES}. */
  maxPendingBytes: number;
  /** See {@link MAX_PENDING_GUESTS_PER_SESSION}. */
  maxPendingGuestsPerSession: number;
  /** See {@link PAIRING_TIMEOUT_MS}. */
  pairingTimeoutMs: number;
  /** See {@link IDLE_TIMEOUT_MS}. */
  idleTimeoutMs: number;
  /** See {@link BYTES_PER_SECOND_PER_SESSION}. */
  bytesPerSecondPerSession: number;
  /** See {@link KEEPALIVE_INTERVAL_MS}. */
  keepaliveIntervalMs: number;
  /** See {@link MAX_RELAY_CONNECTIONS}. */
  maxConnections: number;
  /** See {@link BACKPRESSURE_HIGH_WATER_BYTES}. */
  backpressureHighWaterBytes: number;
}

/** The default relay limits, all in one place. */
export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxFrameBytes: MAX_FRAME_BYTES,
  maxPendingBytes: MAX_PENDING_BYTES,
  maxPendingGuestsPerSession: MAX_PENDING_GUESTS_PER_SESSION,
  pairingTimeoutMs: PAIRING_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  bytesPerSecondPerSession: BYTES_PER_SECOND_PER_SESSION,
  keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
  maxConnections: MAX_RELAY_CONNECTIONS,
  backpressureHighWaterBytes: BACKPRESSURE_HIGH_WATER_BYTES,
});

/**
 * Fills in defaults and checks that every limit is a positive integer.
 * @throws {RangeError} naming the offending limit and value.
 */
export function resolveRelayLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof RelayLimits, unknown][]) {
    if (!(key in DEFAULT_RELAY_LIMITS)) throw new RangeError(`Unknown relay limit: ${key}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`Relay limit ${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}

export type { RelaySessionAuthority, RelaySessionStatus } from './authority.js';
export { MAX_BEARER_TOKEN_LENGTH, parseBearerToken } from './bearer.js';
export {
  RELAY_CONNECT_TIMEOUT_MS,
  openRelayGuest,
  openRelayHostData,
  openRelaySocket,
  relayEndpoint,
  type OpenRelaySocketOptions,
  type RelayGuestOptions,
  type RelayHostDataOptions,
} from './client.js';
export {
  RELAY_CLOSE,
  RELAY_HTTP_ERRORS,
  relayCloseByCode,
  type RelayCloseName,
  type RelayCloseSpec,
} from './close-codes.js';
export {
  RelayError,
  isRetryableRelayError,
  relayCloseError,
  type RelayErrorOptions,
} from './errors.js';
export {
  CONTROL_DEAD_AFTER_MS,
  RECONNECT_MAX_DELAY_MS,
  RECONNECT_MIN_DELAY_MS,
  connectRelayHostControl,
  type RelayControl,
  type RelayControlStatus,
  type RelayHostControlOptions,
} from './host-control.js';
export { CONNECTION_ID_BYTES, isWellFormedId, randomId } from './ids.js';
export {
  BACKPRESSURE_HIGH_WATER_BYTES,
  BYTES_PER_SECOND_PER_SESSION,
  DEFAULT_RELAY_LIMITS,
  IDLE_TIMEOUT_MS,
  KEEPALIVE_INTERVAL_MS,
  MAX_FRAME_BYTES,
  MAX_PENDING_BYTES,
  MAX_PENDING_GUESTS_PER_SESSION,
  MAX_RELAY_CONNECTIONS,
  PAIRING_TIMEOUT_MS,
  resolveRelayLimits,
  type RelayLimits,
} from './limits.js';
export { parseRelaySignal, encodeRelaySignal, type RelaySignal } from './messages.js';
export { rejectUpgrade, type UpgradeRefusal } from './reject-upgrade.js';
export { Relay, SHUTDOWN_CLOSE_GRACE_MS, type RelayOptions } from './relay.js';
export { RELAY_BASE_PATH, matchRelayPath, type RelayRoute } from './route.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
export { RELAY_CLIENT_CHUNK_BYTES, WebSocketDuplex } from './websocket-duplex.js';

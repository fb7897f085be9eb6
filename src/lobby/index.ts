export { API_ERRORS, type ApiError, type ApiErrorBody } from './api-error.js';
export {
  HOST_TOKEN_BYTES,
  SESSION_ID_BYTES,
  hashHostToken,
  hostTokenMatches,
  newHostToken,
  newSessionId,
} from './credentials.js';
export { HostPresenceMonitor, type HostPresenceMonitorOptions } from './host-presence.js';
export { JOIN_PAGE_CSP, escapeHtml, renderJoinPage, type JoinPageModel } from './join-page.js';
export {
  DEFAULT_LOBBY_LIMITS,
  ENDED_TOMBSTONE_TTL_MS,
  HOST_GRACE_MS,
  MAX_BODY_BYTES,
  MAX_DIRECT_ADDRESSES,
  MAX_SESSIONS,
  MAX_SESSION_NAME_LENGTH,
  MAX_TOMBSTONES,
  REQUEST_TIMEOUT_MS,
  resolveLobbyLimits,
  type LobbyLimits,
} from './limits.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './memory-session-store.js';
export { localUrl, normalizePublicUrl, relayUrlFor } from './public-url.js';
export {
  DEFAULT_LOBBY_HOST,
  DEFAULT_LOBBY_PORT,
  createLobbyServer,
  type LobbyServer,
  type LobbyServerOptions,
} from './server.js';
export type { DirectAddress, SessionLookup, SessionRecord, SessionStore } from './session-store.js';

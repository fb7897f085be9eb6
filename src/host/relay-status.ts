import { SessionEndedError } from '../protocol/errors.js';
import type { RelayControlStatus } from '../relay/index.js';
import type { HostEvent } from './events.js';

/** What the host knows when its relay control connection changes state. */
export interface RelayStatusContext {
  lobbyUrl: string;
  /** Whether guests can also connect directly (they stay connected whatever the relay does). */
  direct: boolean;
}

/**
 * The host event that tells the person hosting about a change of its relay control connection:
 * when guests can no longer reach them through the lobby and relay, and when they can again.
 * Undefined for a change that needs no word (closed by the host itself, as the session ends).
 */
export function relayStatusEvent(
  status: RelayControlStatus,
  error: Error | undefined,
  { lobbyUrl, direct }: RelayStatusContext,
): HostEvent | undefined {
  const directNote = direct ? '; guests connected directly stay connected' : '';
  switch (status) {
    case 'connected':
      return { event: 'relay-restored' };
    case 'reconnecting':
      return {
        event: 'relay-lost',
        retrying: true,
        message:
          `Lost the connection to the relay of ${lobbyUrl}; reconnecting. Guests cannot join ` +
          `through it meanwhile${directNote}.`,
      };
    case 'forgotten':
      return {
        event: 'lobby-lost',
        lobbyUrl,
        message:
          `The lobby at ${lobbyUrl} no longer knows this session (it restarted?). The join ` +
          `link no longer works and guests cannot join or reconnect through it${directNote}. ` +
          'Tandem keeps checking in case the lobby remembers it; to get a new link, end ' +
          'with Ctrl-C and host again.',
      };
    case 'closed': {
      if (!error) return undefined;
      const why =
        error instanceof SessionEndedError
          ? `The lobby at ${lobbyUrl} reports this session as ended.`
          : error.message;
      return {
        event: 'relay-lost',
        retrying: false,
        message:
          `The relay will not take this session back. ${why} Guests can no longer join or ` +
          `reconnect through the link${directNote}. To get a new link, end with Ctrl-C and ` +
          'host again.',
      };
    }
  }
}

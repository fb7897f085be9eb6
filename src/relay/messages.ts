/**
 * Text messages the relay sends. Binary messages are stream bytes and nothing else; text
 * messages are relay signals and never part of the stream.
 */

/** Sent first on every accepted relay connection (control or data); for data, once paired. */
export interface RelayReadySignal {
  type: 'ready';
}

/** Sent on the host's control connection when a guest is waiting to be accepted. */
export interface RelayIncomingSignal {
  type: 'incoming';
  /** Id to open `/accept/<sessionId>/<connId>` with. */
  connId: string;
}

/** Any signal the relay sends. */
export type RelaySignal = RelayReadySignal | RelayIncomingSignal;

/** Longest text message a client parses. Threat: a hostile relay sending huge JSON. */
export const MAX_SIGNAL_LENGTH = 1024;

/** Serializes a signal for `ws.send`. */
export function encodeRelaySignal(signal: RelaySignal): string {
  return JSON.stringify(signal);
}

/** Parses a signal; returns `undefined` for anything that is not a known, well-formed one. */
export function parseRelaySignal(text: string): RelaySignal | undefined {
  if (text.length > MAX_SIGNAL_LENGTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.type === 'ready') return { type: 'ready' };
  if (record.type === 'incoming' && typeof record.connId === 'string') {
    return { type: 'incoming', connId: record.connId };
  }
  return undefined;
}

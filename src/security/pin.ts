import type { TLSSocket } from 'node:tls';

/**
 * Exporter label for the PIN (RFC 8446 §7.5). A label of our own keeps the PIN independent
 * of any other use of the exporter.
 */
export const PIN_EXPORTER_LABEL = 'EXPORTER-tandem-pin-v1';

/** Exporter context: empty, which TLS 1.3 treats the same as none. */
const PIN_CONTEXT = Buffer.alloc(0);

/** Digits in a PIN: enough that a man in the middle guesses right one time in a million. */
export const PIN_DIGITS = 6;

/**
 * Derives the PIN both ends of one TLS 1.3 connection show. It comes from the connection's
 * exporter secret, so it names this connection: a relay or impersonator that terminates TLS
 * on both sides holds two connections with two different PINs, and reading the PIN aloud
 * exposes it. Returns digits grouped for reading, like `482 019`.
 */
export function derivePin(socket: TLSSocket): string {
  if (socket.getProtocol() !== 'TLSv1.3') {
    throw new TypeError(`PIN needs a TLS 1.3 connection, got ${socket.getProtocol()}`);
  }
  const material = socket.exportKeyingMaterial(8, PIN_EXPORTER_LABEL, PIN_CONTEXT);
  // 64 bits reduced modulo 10^6: the bias is below 2^-40, far beneath a guess.
  const value = material.readBigUInt64BE(0) % 10n ** BigInt(PIN_DIGITS);
  const digits = value.toString().padStart(PIN_DIGITS, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

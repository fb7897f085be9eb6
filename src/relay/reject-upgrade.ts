import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** A refusal written as a plain HTTP response on a socket that asked to upgrade. */
export interface UpgradeRefusal {
  status: number;
  error: string;
  message: string;
}

/**
 * Answers an upgrade request with an HTTP error and a JSON `{ error, message }` body, then closes
 * the socket. Used for anything refused before the WebSocket handshake.
 */
export function rejectUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  const body = JSON.stringify({ error: refusal.error, message: refusal.message });
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
  ].join('\r\n');
  // A peer that resets mid-answer must not raise an unhandled 'error'.
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(`${head}\r\n\r\n${body}`);
}

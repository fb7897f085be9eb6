import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { DirectAddress } from '../lobby/client.js';
import { IdentityMismatchError } from '../protocol/errors.js';
import { openRelayGuest } from '../relay/index.js';
import type { Identity } from '../security/identity.js';
import { connectTls } from '../security/tls.js';
import type { ConnectionPath } from '../host/events.js';

/** How long a direct TCP connect may take; an unreachable LAN address must not stall a join. */
export const DIRECT_CONNECT_TIMEOUT_MS = 5_000;

/** A verified connection to the host and the path it took. */
export interface HostConnection {
  socket: TLSSocket;
  via: ConnectionPath;
}

/** Options for {@link connectToHost}. */
export interface ConnectToHostOptions {
  identity: Identity;
  /** Fingerprint from the link: the only certificate accepted. */
  fingerprint: string;
  sessionId: string;
  direct: DirectAddress[];
  relayUrl: string;
  /** Skip direct addresses. */
  relayOnly?: boolean;
  directTimeoutMs?: number;
}

interface Attempt {
  via: ConnectionPath;
  open: () => Promise<Duplex>;
}

/**
 * Tries every direct address and the relay at once; the first stream whose TLS handshake
 * completes with the pinned certificate wins and the others are closed (DESIGN.md, step 3).
 * A path that presents another certificate is just a failed path (a stale LAN address may
 * reach someone else's host); when no path verifies and one presented a wrong certificate,
 * the join fails with {@link IdentityMismatchError}.
 */
export function connectToHost(options: ConnectToHostOptions): Promise<HostConnection> {
  const attempts: Attempt[] = [];
  if (!options.relayOnly) {
    for (const address of options.direct) {
      attempts.push({
        via: 'direct',
        open: () => openDirect(address, options.directTimeoutMs ?? DIRECT_CONNECT_TIMEOUT_MS),
      });
    }
  }
  attempts.push({
    via: 'relay',
    open: () => openRelayGuest({ relayUrl: options.relayUrl, sessionId: options.sessionId }),
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    let remaining = attempts.length;
    const errors: Error[] = [];
    for (const attempt of attempts) {
      attempt
        .open()
        .then((stream) => {
          if (settled) {
            stream.destroy();
            return undefined;
          }
          return connectTls(stream, {
            identity: options.identity,
            expectedFingerprint: options.fingerprint,
          });
        })
        .then(
          (socket) => {
            if (!socket) return;
            if (settled) {
              socket.destroy();
              return;
            }
            settled = true;
            resolve({ socket, via: attempt.via });
          },
          (error: Error) => {
            errors.push(error);
            if (--remaining > 0 || settled) return;
            settled = true;
            reject(combine(errors));
          },
        );
    }
  });
}

function combine(errors: Error[]): Error {
  const mismatch = errors.find((error) => error instanceof IdentityMismatchError);
  if (mismatch) return mismatch;
  // The relay's answer is the most telling ("session ended", "host not connected").
  const last = errors.at(-1);
  const detail = last ? `: ${last.message.replace(/\.*$/, '')}` : '';
  return new Error(
    `Could not reach the host${detail}. Check that the host is still running and the link is current.`,
    { cause: errors.length === 1 ? last : new AggregateError(errors) },
  );
}

function openDirect(address: DirectAddress, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`direct connection to ${address.host} timed out`)),
    );
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { IdentityMismatchError } from '../protocol/errors.js';
import { fingerprintOf, type Identity } from './identity.js';

/** ALPN name of the protocol inside TLS, so a stray TLS client of another kind is refused. */
export const TANDEM_ALPN = 'tandem/1';

/** Longest a TLS handshake may take before the connection is dropped (slowloris defence). */
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/**
 * TLS settings of the host side. TLS 1.3 only, in both directions. Guests present
 * self-signed certificates, so there is no CA to check them against: the host asks for a
 * certificate, requires one, and identifies the guest by its fingerprint, which the person
 * hosting approves together with the PIN (DESIGN.md, steps 4 to 6).
 */
export function createHostSecureContext(identity: Identity): tls.SecureContext {
  return tls.createSecureContext({
    key: identity.keyPem,
    cert: identity.certPem,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
  });
}

/** Server options for a direct TLS listener with the host identity. */
export function hostServerOptions(identity: Identity): tls.TlsOptions {
  return {
    key: identity.keyPem,
    cert: identity.certPem,
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    requestCert: true,
    // Guest certificates are self-signed: identity is its fingerprint, checked by
    // requirePeerFingerprint() right after the handshake and then approved by the host.
    rejectUnauthorized: false,
    ALPNProtocols: [TANDEM_ALPN],
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  };
}

/**
 * Runs the host side of TLS over any byte stream (a relay stream). Resolves once the
 * handshake is done and the guest presented a certificate.
 */
export function acceptTls(stream: Duplex, context: tls.SecureContext): Promise<tls.TLSSocket> {
  const socket = new tls.TLSSocket(stream, {
    isServer: true,
    secureContext: context,
    requestCert: true,
    // See hostServerOptions: the guest certificate is checked by fingerprint presence below.
    rejectUnauthorized: false,
    ALPNProtocols: [TANDEM_ALPN],
  });
  closeWithCarrier(stream, socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error('TLS handshake timed out')),
      HANDSHAKE_TIMEOUT_MS,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      stream.destroy();
      reject(error);
    };
    const closed = (): void => fail(new Error('connection closed during the TLS handshake'));
    socket.once('error', fail);
    socket.once('close', closed);
    socket.once('secure', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('close', closed);
      try {
        requirePeerFingerprint(socket);
        resolve(socket);
      } catch (error) {
        fail(error as Error);
      }
    });
  });
}

/**
 * Returns the fingerprint of the peer's certificate, and checks that TLS 1.3 and the Tandem
 * ALPN were negotiated. Throws when the peer presented no certificate.
 */
export function requirePeerFingerprint(socket: tls.TLSSocket): string {
  if (socket.getProtocol() !== 'TLSv1.3') {
    throw new Error(`refusing ${String(socket.getProtocol())}: Tandem needs TLS 1.3`);
  }
  if (socket.alpnProtocol !== TANDEM_ALPN) {
    throw new Error('the peer does not speak the Tandem protocol (ALPN)');
  }
  const cert = socket.getPeerX509Certificate();
  if (!cert) throw new Error('the peer presented no certificate');
  return fingerprintOf(cert.raw);
}

/** Options for {@link connectTls}. */
export interface ConnectTlsOptions {
  /** The guest's own identity, presented to the host. */
  identity: Identity;
  /** Fingerprint from the join link; the host must present exactly this certificate. */
  expectedFingerprint: string;
}

/**
 * Runs the guest side of TLS over a byte stream (a TCP socket or a relay stream) and pins the
 * host certificate. Resolves only when the host's certificate fingerprint equals the one in
 * the link; rejects with {@link IdentityMismatchError} otherwise, before any byte of ours
 * beyond the handshake is sent.
 */
export function connectTls(stream: Duplex, options: ConnectTlsOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      socket: stream,
      key: options.identity.keyPem,
      cert: options.identity.certPem,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ALPNProtocols: [TANDEM_ALPN],
      // The host certificate is self-signed; it is pinned by fingerprint in the 'secureConnect'
      // handler below, which destroys the socket on any mismatch before we write anything.
      rejectUnauthorized: false,
    });
    closeWithCarrier(stream, socket);
    const timer = setTimeout(
      () => fail(new Error('TLS handshake timed out')),
      HANDSHAKE_TIMEOUT_MS,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      stream.destroy();
      reject(error);
    };
    const closed = (): void => fail(new Error('connection closed during the TLS handshake'));
    socket.once('error', fail);
    socket.once('close', closed);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('close', closed);
      let actual: string;
      try {
        actual = requirePeerFingerprint(socket);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (!fingerprintsEqual(actual, options.expectedFingerprint)) {
        fail(new IdentityMismatchError());
        return;
      }
      resolve(socket);
    });
  });
}

/**
 * Errors of the carrier stream (a relay WebSocket, a TCP socket) surface as the TLS socket
 * closing; without this listener a late carrier error would be thrown as unhandled.
 */
function closeWithCarrier(stream: Duplex, socket: tls.TLSSocket): void {
  stream.on('error', () => socket.destroy());
}

function fingerprintsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

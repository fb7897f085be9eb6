// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** How long a session certificate is valid. Sessions are short; a leaked key soon expires. */
export const CERTIFICATE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Backdating of `notBefore`, so a peer whose clock runs a little slow still accepts it. */
export const CLOCK_SKEW_ALLOWANCE_MS = 60 * 60 * 1000;

/** A key pair and self-signed certificate made for one session (DESIGN.md, step 1 and 3). */
export interface Identity {
  /** PEM of the PKCS#8 private key. Never logged, never sent. */
  keyPem: string;
  /** PEM of the self-signed X.509 certificate. */
  certPem: string;
  /** SHA-256 of the certificate's DER, base64url: what a join link pins. */
  fingerprint: string;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Makes a fresh ECDSA P-256 key pair and a self-signed certificate for it. The common name is
 * cosmetic: peers identify each other by fingerprint only.
 */
export async function createIdentity(commonName = 'tandem'): Promise<Identity> {
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex'),
      name: `CN=${commonName.replace(/[^A-Za-z0-9 ._-]/g, '_').slice(0, 64) || 'tandem'}`,
      notBefore: new Date(now - CLOCK_SKEW_ALLOWANCE_MS),
      notAfter: new Date(now + CERTIFICATE_LIFETIME_MS),
      signingAlgorithm: algorithm,
      // The two WebCrypto type declarations (DOM and node:crypto) differ only nominally.
      keys: keys as never,
    },
    crypto as never,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${wrap64(pkcs8.toString('base64'))}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem');
  return { keyPem, certPem, fingerprint: fingerprintOfPem(certPem) };
}

/** SHA-256 of a certificate's DER encoding, base64url (43 characters). */
export function fingerprintOf(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** Fingerprint of a PEM certificate. */
export function fingerprintOfPem(certPem: string): string {
  return fingerprintOf(new X509Certificate(certPem).raw);
}

function wrap64(text: string): string {
  return text.replace(/.{1,64}/g, '$&\n').trimEnd();
}

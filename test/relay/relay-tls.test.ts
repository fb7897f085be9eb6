import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { createIdentity } from '../../src/security/identity.js';
import { pairThroughRelay, readBytes, startRelay } from './helpers.js';

test('TLS 1.3 runs end to end over relay streams, which stay plain byte pipes', async () => {
  const relay = await startRelay();
  try {
    const [hostIdentity, guestIdentity] = await Promise.all([createIdentity(), createIdentity()]);
    const { guest, host, control } = await pairThroughRelay(relay);
    const server = new tls.TLSSocket(host, {
      isServer: true,
      key: hostIdentity.keyPem,
      cert: hostIdentity.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    const client = tls.connect({
      socket: guest,
      key: guestIdentity.keyPem,
      cert: guestIdentity.certPem,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    await Promise.all([once(server, 'secure'), once(client, 'secureConnect')]);
    assert.equal(client.getProtocol(), 'TLSv1.3');
    const payload = randomBytes(1024 * 1024);
    const received = readBytes(server, payload.length);
    client.write(payload);
    assert.ok((await received).equals(payload));
    const serverEnded = once(server, 'end');
    client.end();
    await serverEnded;
    server.destroy();
    await control.close();
  } finally {
    await relay.close();
  }
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { IdentityMismatchError } from '../../src/protocol/errors.js';
import { createIdentity, fingerprintOfPem } from '../../src/security/identity.js';
import { derivePin } from '../../src/security/pin.js';
import {
  acceptTls,
  connectTls,
  createHostSecureContext,
  hostServerOptions,
  requirePeerFingerprint,
} from '../../src/security/tls.js';

async function tcpPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [serverSide] = (await accepted) as [net.Socket];
  return [client, serverSide, () => server.close()];
}

test('an identity has a 43-character fingerprint of its certificate', async () => {
  const id = await createIdentity('alice');
  assert.match(id.fingerprint, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(fingerprintOfPem(id.certPem), id.fingerprint);
  assert.notEqual((await createIdentity('alice')).fingerprint, id.fingerprint);
});

test('guest and host derive the same PIN, and two connections get different PINs', async () => {
  const host = await createIdentity('host');
  const context = createHostSecureContext(host);
  const pins: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const guest = await createIdentity('guest');
    const [c, s, close] = await tcpPair();
    const [g, h] = await Promise.all([
      connectTls(c, { identity: guest, expectedFingerprint: host.fingerprint }),
      acceptTls(s, context),
    ]);
    assert.equal(requirePeerFingerprint(h), guest.fingerprint);
    pins.push([derivePin(g), derivePin(h)]);
    g.destroy();
    h.destroy();
    close();
  }
  assert.match(pins[0]![0]!, /^\d{3} \d{3}$/);
  assert.equal(pins[0]![0], pins[0]![1]);
  assert.equal(pins[1]![0], pins[1]![1]);
  assert.notEqual(pins[0]![0], pins[1]![0]);
});

test('the same certificates on two connections still give different PINs (exporter, not certs)', async () => {
  const host = await createIdentity('host');
  const guest = await createIdentity('guest');
  const context = createHostSecureContext(host);
  const seen = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const [c, s, close] = await tcpPair();
    const [g, h] = await Promise.all([
      connectTls(c, { identity: guest, expectedFingerprint: host.fingerprint }),
      acceptTls(s, context),
    ]);
    seen.add(derivePin(g));
    g.destroy();
    h.destroy();
    close();
  }
  assert.equal(seen.size, 3);
});

test('a guest refuses a host whose certificate does not match the pinned fingerprint', async () => {
  const host = await createIdentity('host');
  const impostor = await createIdentity('host');
  const guest = await createIdentity('guest');
  const [c, s, close] = await tcpPair();
  const received: Buffer[] = [];
  const hostSide = acceptTls(s, createHostSecureContext(impostor)).then(
    (socket) => {
      socket.on('data', (d: Buffer) => received.push(d));
      return once(socket, 'close');
    },
    () => undefined,
  );
  await assert.rejects(
    connectTls(c, { identity: guest, expectedFingerprint: host.fingerprint }),
    IdentityMismatchError,
  );
  await hostSide;
  assert.equal(Buffer.concat(received).length, 0, 'the guest sent application data');
  close();
});

test('a TLS 1.2 client is refused by the host listener', async () => {
  const host = await createIdentity('host');
  const server = tls.createServer(hostServerOptions(host), (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = tls.connect({
    host: '127.0.0.1',
    port,
    maxVersion: 'TLSv1.2',
    // This test client only probes the protocol version; it never sends data.
    rejectUnauthorized: false,
  });
  const [error] = (await once(client, 'error')) as [Error & { code?: string }];
  assert.match(String(error.code ?? error.message), /VERSION|PROTOCOL|ALERT/i);
  server.close();
});

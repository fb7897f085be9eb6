import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRelaySignal, openRelayHostData } from '../../src/relay/index.js';
import {
  closeOf,
  nextSignal,
  pairThroughRelay,
  rawSocket,
  readBytes,
  startRelay,
} from './helpers.js';

test('the relay carries 5 MB of random bytes intact in both directions at once', async () => {
  const relay = await startRelay();
  try {
    const { guest, host, control } = await pairThroughRelay(relay);
    const upstream = randomBytes(5 * 1024 * 1024);
    const downstream = randomBytes(5 * 1024 * 1024);
    const atHost = readBytes(host, upstream.length);
    const atGuest = readBytes(guest, downstream.length);
    guest.write(upstream);
    host.write(downstream);
    assert.ok((await atHost).equals(upstream), 'guest to host bytes differ');
    assert.ok((await atGuest).equals(downstream), 'host to guest bytes differ');
    guest.destroy();
    host.destroy();
    await control.close();
  } finally {
    await relay.close();
  }
});

test('bytes a guest sends before the host accepts are delivered after pairing', async () => {
  const relay = await startRelay();
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    assert.deepEqual(await nextSignal(control), { type: 'ready' });
    const guest = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    const early = randomBytes(10_000);
    guest.send(early.subarray(0, 4000));
    guest.send(early.subarray(4000));
    const incoming = await nextSignal(control);
    assert.equal(incoming.type, 'incoming');
    const host = await openRelayHostData({
      relayUrl: relay.relayUrl,
      sessionId,
      hostToken,
      connId: String(incoming.connId),
    });
    assert.ok((await readBytes(host, early.length)).equals(early));
    assert.deepEqual(await nextSignal(guest), { type: 'ready' });
    host.destroy();
    control.close();
    await once(control, 'close');
  } finally {
    await relay.close();
  }
});

test('ending one side normally ends the other side normally', async () => {
  const relay = await startRelay();
  try {
    const { guest, host, control } = await pairThroughRelay(relay);
    const hostEnded = once(host, 'end');
    host.resume();
    guest.end();
    await hostEnded;
    await control.close();
  } finally {
    await relay.close();
  }
});

test('a peer cannot forge a relay close code on the other side', async () => {
  const relay = await startRelay();
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(control);
    const guest = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    const { connId } = await nextSignal(control);
    const host = await rawSocket(
      `${relay.relayUrl}/accept/${sessionId}/${String(connId)}`,
      hostToken,
    );
    await nextSignal(host);
    await nextSignal(guest);
    guest.close(4410, 'session ended');
    assert.equal((await closeOf(host)).code, 4502);
    host.send(encodeRelaySignal({ type: 'ready' }));
    control.close();
    await once(control, 'close');
  } finally {
    await relay.close();
  }
});

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import {
  nextSignal,
  pairThroughRelay,
  rawSocket,
  readBytes,
  startRelay,
  waitFor,
} from './helpers.js';

test('a reader that stops reading pushes back on the writer instead of filling the relay', async () => {
  const relay = await startRelay({ backpressureHighWaterBytes: 64 * 1024 });
  try {
    const { guest, host, control } = await pairThroughRelay(relay);
    host.pause();
    const payload = randomBytes(32 * 1024 * 1024);
    guest.write(payload);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Most of the payload is still waiting at the writer: the relay stopped reading.
    assert.ok(guest.writableLength > 8 * 1024 * 1024, `only ${guest.writableLength} queued`);
    const received = readBytes(host, payload.length);
    host.resume();
    assert.ok((await received).equals(payload));
    guest.destroy();
    await control.close();
  } finally {
    await relay.close();
  }
});

test('a control connection that stops answering pings is terminated and reported absent', async () => {
  const relay = await startRelay({ keepaliveIntervalMs: 50 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const deaf = new WebSocket(`${relay.relayUrl}/host/${sessionId}`, {
      headers: { authorization: `Bearer ${hostToken}` },
      autoPong: false,
    });
    deaf.on('error', () => undefined);
    const [code] = (await once(deaf, 'close')) as [number];
    assert.equal(code, 1006);
    await waitFor(() => relay.authority.presence.length === 2);
    assert.deepEqual(relay.authority.presence, [
      [sessionId, true],
      [sessionId, false],
    ]);
    // A socket that answers stays.
    const alive = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(alive);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(alive.readyState, WebSocket.OPEN);
    alive.terminate();
  } finally {
    await relay.close();
  }
});

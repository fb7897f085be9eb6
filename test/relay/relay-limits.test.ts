import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RelayError, openRelayGuest } from '../../src/relay/index.js';
import {
  closeOf,
  nextSignal,
  pairThroughRelay,
  rawSocket,
  readBytes,
  startRelay,
} from './helpers.js';

test('an oversized frame closes only that connection while another session keeps working', async () => {
  const relay = await startRelay({ maxFrameBytes: 64 * 1024 });
  try {
    const bystander = await pairThroughRelay(relay);
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(control);
    const guest = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    const { connId } = await nextSignal(control);
    const host = await rawSocket(
      `${relay.relayUrl}/accept/${sessionId}/${String(connId)}`,
      hostToken,
    );
    await nextSignal(guest);
    const guestClosed = closeOf(guest);
    const hostClosed = closeOf(host);
    guest.send(randomBytes(64 * 1024 + 1));
    assert.equal((await guestClosed).code, 1009);
    assert.equal((await hostClosed).code, 4502);
    assert.equal(control.readyState, control.OPEN);
    const payload = randomBytes(200_000);
    const received = readBytes(bystander.host, payload.length);
    bystander.guest.write(payload);
    assert.ok((await received).equals(payload));
    control.terminate();
    bystander.guest.destroy();
    await bystander.control.close();
  } finally {
    await relay.close();
  }
});

test('guests beyond the pending limit of a session are closed with 4429', async () => {
  const relay = await startRelay({ maxPendingGuestsPerSession: 2 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(control);
    const waiting = [
      await rawSocket(`${relay.relayUrl}/guest/${sessionId}`),
      await rawSocket(`${relay.relayUrl}/guest/${sessionId}`),
    ];
    await nextSignal(control);
    await nextSignal(control);
    const third = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    assert.deepEqual(await closeOf(third), {
      code: 4429,
      reason: 'too many guests waiting for the host',
    });
    for (const ws of waiting) assert.equal(ws.readyState, ws.OPEN);
    for (const ws of [...waiting, control]) ws.terminate();
  } finally {
    await relay.close();
  }
});

test('a guest sending more than the pending-bytes limit before pairing is closed with 4413', async () => {
  const relay = await startRelay({ maxPendingBytes: 1000 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(control);
    const guest = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    guest.send(randomBytes(600));
    guest.send(randomBytes(401));
    assert.equal((await closeOf(guest)).code, 4413);
    control.terminate();
  } finally {
    await relay.close();
  }
});

test('a guest the host never accepts is closed with 4504 after the pairing timeout', async () => {
  const relay = await startRelay({ pairingTimeoutMs: 100 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(control);
    await assert.rejects(
      openRelayGuest({ relayUrl: relay.relayUrl, sessionId }),
      (error) => error instanceof RelayError && error.closeCode === 4504,
    );
    control.terminate();
  } finally {
    await relay.close();
  }
});

test('a pair that carries no bytes for the idle timeout is closed with 4408', async () => {
  const relay = await startRelay({ idleTimeoutMs: 150 });
  try {
    const { guest, host, control } = await pairThroughRelay(relay);
    const guestError = once(guest, 'error');
    const hostError = once(host, 'error');
    const [error] = (await guestError) as [RelayError];
    assert.equal(error.closeCode, 4408);
    assert.equal(((await hostError) as [RelayError])[0].closeCode, 4408);
    await control.close();
  } finally {
    await relay.close();
  }
});

test('a text frame on a paired data connection closes the pair with 4400', async () => {
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
    await nextSignal(guest);
    guest.send('not bytes');
    assert.equal((await closeOf(host)).code, 4400);
    control.terminate();
  } finally {
    await relay.close();
  }
});

test('the per-session rate limit delays bytes instead of dropping them', async () => {
  const rate = 200_000;
  const relay = await startRelay({ bytesPerSecondPerSession: rate });
  try {
    const { guest, host, control } = await pairThroughRelay(relay);
    const payload = randomBytes(3 * rate);
    const started = Date.now();
    const received = readBytes(host, payload.length);
    guest.write(payload);
    assert.ok((await received).equals(payload));
    const elapsed = Date.now() - started;
    // One second of burst, then the rate; the last chunk goes out on credit, hence not 2 s.
    assert.ok(elapsed >= 1_500, `took only ${elapsed} ms`);
    guest.destroy();
    host.destroy();
    await control.close();
  } finally {
    await relay.close();
  }
});

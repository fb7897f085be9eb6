import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RelayError,
  connectRelayHostControl,
  openRelayGuest,
  openRelayHostData,
  randomId,
} from '../../src/relay/index.js';
import { SessionEndedError, UnknownSessionError } from '../../src/protocol/errors.js';
import {
  closeOf,
  nextSignal,
  pairThroughRelay,
  rawSocket,
  startRelay,
  waitFor,
} from './helpers.js';

/** Sends a raw upgrade request and returns the HTTP status the relay answers with. */
async function upgradeStatus(httpUrl: string, path: string): Promise<number> {
  const req = request(`${httpUrl}${path}`, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    },
  });
  req.end();
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  response.resume();
  return response.statusCode ?? 0;
}

test('a guest of a session whose host has no control connection is told so (4503)', async () => {
  const relay = await startRelay();
  try {
    const { sessionId } = relay.authority.add();
    const raw = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    assert.deepEqual(await closeOf(raw), {
      code: 4503,
      reason: 'host is not connected to the relay',
    });
    await assert.rejects(openRelayGuest({ relayUrl: relay.relayUrl, sessionId }), (error) => {
      assert.ok(error instanceof RelayError);
      assert.equal(error.closeCode, 4503);
      assert.match(error.message, /host is not connected to the relay/);
      return true;
    });
  } finally {
    await relay.close();
  }
});

test('a guest of an unknown session gets 4404 and of an ended one 4410', async () => {
  const relay = await startRelay();
  try {
    const unknown = randomId();
    await assert.rejects(
      openRelayGuest({ relayUrl: relay.relayUrl, sessionId: unknown }),
      UnknownSessionError,
    );
    const { sessionId } = relay.authority.add();
    relay.authority.end(sessionId);
    await assert.rejects(
      openRelayGuest({ relayUrl: relay.relayUrl, sessionId }),
      SessionEndedError,
    );
  } finally {
    await relay.close();
  }
});

test('host endpoints refuse a missing token with 4401 and a wrong one with 4403', async () => {
  const relay = await startRelay();
  try {
    const { sessionId } = relay.authority.add();
    const missing = await rawSocket(`${relay.relayUrl}/host/${sessionId}`);
    assert.equal((await closeOf(missing)).code, 4401);
    const wrong = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, randomId(32));
    assert.equal((await closeOf(wrong)).code, 4403);
    const accept = await rawSocket(
      `${relay.relayUrl}/accept/${sessionId}/${randomId()}`,
      randomId(32),
    );
    assert.equal((await closeOf(accept)).code, 4403);
    await assert.rejects(
      connectRelayHostControl({
        relayUrl: relay.relayUrl,
        sessionId,
        hostToken: 'not-the-token',
        onIncoming: () => undefined,
      }),
      /wrong host token \(4403\)/,
    );
    assert.deepEqual(relay.authority.presence, []);
  } finally {
    await relay.close();
  }
});

test('accepting an unknown connection id is refused with 4406', async () => {
  const relay = await startRelay();
  try {
    const { sessionId, hostToken } = relay.authority.add();
    await assert.rejects(
      openRelayHostData({ relayUrl: relay.relayUrl, sessionId, hostToken, connId: randomId() }),
      (error) => error instanceof RelayError && error.closeCode === 4406,
    );
  } finally {
    await relay.close();
  }
});

test('a new host control connection replaces the old one, which is closed with 4409', async () => {
  const relay = await startRelay();
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const first = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(first);
    const firstClosed = closeOf(first);
    const second = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    await nextSignal(second);
    assert.equal((await firstClosed).code, 4409);
    const guest = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    assert.equal((await nextSignal(second)).type, 'incoming');
    assert.deepEqual(relay.authority.presence, [
      [sessionId, true],
      [sessionId, true],
    ]);
    second.close();
    await once(second, 'close');
    await waitFor(() => relay.authority.presence.length === 3);
    assert.deepEqual(relay.authority.presence[2], [sessionId, false]);
    guest.terminate();
  } finally {
    await relay.close();
  }
});

test('ending a session closes its control, pending and paired connections with 4410', async () => {
  const relay = await startRelay();
  try {
    const paired = await pairThroughRelay(relay);
    const pending = await rawSocket(`${relay.relayUrl}/guest/${paired.sessionId}`);
    const other = await pairThroughRelay(relay);
    const guestError = once(paired.guest, 'error');
    const hostError = once(paired.host, 'error');
    const pendingClosed = closeOf(pending);
    relay.authority.end(paired.sessionId);
    relay.relay.endSession(paired.sessionId);
    assert.ok((await guestError)[0] instanceof SessionEndedError);
    assert.ok((await hostError)[0] instanceof SessionEndedError);
    assert.equal((await pendingClosed).code, 4410);
    assert.ok((await paired.control.closed) instanceof SessionEndedError);
    // The other session is untouched.
    const echo = once(other.host, 'data');
    other.guest.write('still here');
    assert.equal(String((await echo)[0]), 'still here');
    other.guest.destroy();
    await other.control.close();
  } finally {
    await relay.close();
  }
});

test('malformed ids and unknown endpoints are refused over plain HTTP before upgrading', async () => {
  const relay = await startRelay();
  try {
    assert.equal(await upgradeStatus(relay.httpUrl, '/v1/relay/guest/short'), 400);
    assert.equal(await upgradeStatus(relay.httpUrl, `/v1/relay/guest/${'%'.repeat(30)}`), 400);
    assert.equal(await upgradeStatus(relay.httpUrl, `/v1/relay/accept/${randomId()}/x`), 400);
    assert.equal(await upgradeStatus(relay.httpUrl, `/v1/relay/admin/${randomId()}`), 404);
    assert.equal(await upgradeStatus(relay.httpUrl, `/v1/relay/guest/${randomId()}/extra`), 404);
    await assert.rejects(
      openRelayGuest({ relayUrl: `${relay.relayUrl}/nope`, sessionId: randomId() }),
      (error) => error instanceof RelayError && error.httpStatus === 404,
    );
  } finally {
    await relay.close();
  }
});

test('connections beyond the relay connection limit are refused with HTTP 503', async () => {
  const relay = await startRelay({ maxConnections: 2 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const control = await rawSocket(`${relay.relayUrl}/host/${sessionId}`, hostToken);
    const guest = await rawSocket(`${relay.relayUrl}/guest/${sessionId}`);
    assert.equal(await upgradeStatus(relay.httpUrl, `/v1/relay/guest/${sessionId}`), 503);
    guest.terminate();
    control.terminate();
  } finally {
    await relay.close();
  }
});

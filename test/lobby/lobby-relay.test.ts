import { once } from 'node:events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import {
  connectRelayHostControl,
  openRelayGuest,
  openRelayHostData,
  type RelayControlStatus,
} from '../../src/relay/index.js';
import { SessionEndedError } from '../../src/protocol/errors.js';
import { call, captureLogger, register, startLobby, type Registered } from './helpers.js';

/** Pairs one guest with the host of `session` through the lobby's relay. */
async function pair(session: Registered) {
  const { relayUrl, sessionId, hostToken } = session;
  let announce: (connId: string) => void = () => undefined;
  const incoming = new Promise<string>((resolve) => (announce = resolve));
  const statuses: RelayControlStatus[] = [];
  const control = await connectRelayHostControl({
    relayUrl,
    sessionId,
    hostToken,
    reconnect: false,
    onIncoming: (connId) => announce(connId),
    onStatus: (status) => statuses.push(status),
  });
  const guestOpening = openRelayGuest({ relayUrl, sessionId });
  const host = await openRelayHostData({ relayUrl, sessionId, hostToken, connId: await incoming });
  const guest = await guestOpening;
  // Ending sessions is the point of these tests: the streams' errors are expected.
  for (const stream of [host, guest]) stream.on('error', () => undefined);
  return { control, statuses, host, guest };
}

test('ending a session at the lobby closes all of its relay connections', async () => {
  const lobby = await startLobby();
  try {
    const session = await register(lobby);
    const { control, host, guest } = await pair(session);
    const echoed = once(host, 'data');
    guest.write('hello');
    assert.equal(String((await echoed)[0]), 'hello');
    const guestError = once(guest, 'error');
    const hostError = once(host, 'error');
    const path = `/v1/sessions/${session.sessionId}`;
    assert.equal((await call(lobby, 'DELETE', path, { token: session.hostToken })).status, 204);
    assert.ok((await guestError)[0] instanceof SessionEndedError);
    assert.ok((await hostError)[0] instanceof SessionEndedError);
    assert.ok((await control.closed) instanceof SessionEndedError);
    await assert.rejects(
      openRelayGuest({ relayUrl: session.relayUrl, sessionId: session.sessionId }),
      SessionEndedError,
    );
  } finally {
    await lobby.close();
  }
});

test('a session whose host never connects to the relay ends after the grace period', async () => {
  const lobby = await startLobby({ limits: { hostGraceMs: 100 } });
  try {
    const session = await register(lobby);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal((await call(lobby, 'GET', `/v1/sessions/${session.sessionId}`)).status, 410);
  } finally {
    await lobby.close();
  }
});

test('a session whose host control drops ends after the grace period, not before', async () => {
  const lobby = await startLobby({ limits: { hostGraceMs: 300 } });
  try {
    const session = await register(lobby);
    const path = `/v1/sessions/${session.sessionId}`;
    const { control, host, guest } = await pair(session);
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal((await call(lobby, 'GET', path)).status, 200, 'ended while the host was there');
    const guestError = once(guest, 'error');
    await control.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await call(lobby, 'GET', path)).status, 200, 'ended before the grace ran out');
    assert.ok((await guestError)[0] instanceof SessionEndedError);
    assert.equal((await call(lobby, 'GET', path)).status, 410);
    host.destroy();
  } finally {
    await lobby.close();
  }
});

test('a host control that comes back within the grace period keeps the session', async () => {
  const lobby = await startLobby({ limits: { hostGraceMs: 200 } });
  try {
    const session = await register(lobby);
    const first = await pair(session);
    await first.control.close();
    first.guest.destroy();
    const second = await pair(session);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal((await call(lobby, 'GET', `/v1/sessions/${session.sessionId}`)).status, 200);
    second.guest.destroy();
    await second.control.close();
  } finally {
    await lobby.close();
  }
});

test('tokens never reach the logs, even at the most verbose level', async () => {
  const capture = captureLogger();
  const lobby = await startLobby({ logger: capture.logger });
  const secrets = ['hostToken', 'wrong-token-value', 'another-wrong-token', 'authorization'];
  try {
    const session = await register(lobby);
    secrets.push(session.hostToken);
    const { control, guest } = await pair(session);
    const wrong = new WebSocket(`${session.relayUrl}/host/${session.sessionId}`, {
      headers: { authorization: 'Bearer wrong-token-value' },
    });
    wrong.on('error', () => undefined);
    await once(wrong, 'close');
    await call(lobby, 'DELETE', `/v1/sessions/${session.sessionId}`, {
      token: 'another-wrong-token',
    });
    await call(lobby, 'DELETE', `/v1/sessions/${session.sessionId}`, { token: session.hostToken });
    await control.closed;
    guest.destroy();
  } finally {
    await lobby.close();
  }
  const logs = capture.text();
  assert.match(logs, /session registered/);
  for (const secret of secrets) {
    assert.ok(!logs.includes(secret), `${secret} appears in the logs`);
  }
});

test('closing the lobby closes open relay connections promptly', async () => {
  const lobby = await startLobby();
  const session = await register(lobby);
  const { control, guest } = await pair(session);
  const guestError = once(guest, 'error');
  const started = Date.now();
  await lobby.close();
  assert.ok(Date.now() - started < 2_000);
  assert.match(((await guestError)[0] as Error).message, /relay is shutting down \(1001\)/);
  assert.ok((await control.closed) instanceof Error);
});

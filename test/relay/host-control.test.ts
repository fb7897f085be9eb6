import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connectRelayHostControl,
  openRelayGuest,
  type RelayControlStatus,
} from '../../src/relay/index.js';
import { SessionEndedError, UnknownSessionError } from '../../src/protocol/errors.js';
import { startRelay, waitFor } from './helpers.js';

test('a control connection that goes silent is replaced and keeps receiving guests', async () => {
  // The relay pings rarely; the client takes 150 ms of silence for a dead network.
  const relay = await startRelay({ keepaliveIntervalMs: 60_000 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const statuses: RelayControlStatus[] = [];
    const incoming: string[] = [];
    const control = await connectRelayHostControl({
      relayUrl: relay.relayUrl,
      sessionId,
      hostToken,
      deadAfterMs: 150,
      onIncoming: (connId) => incoming.push(connId),
      onStatus: (status) => statuses.push(status),
    });
    await waitFor(() => statuses.filter((s) => s === 'connected').length >= 2);
    assert.deepEqual(statuses.slice(0, 3), ['connected', 'reconnecting', 'connected']);
    const guest = openRelayGuest({ relayUrl: relay.relayUrl, sessionId, timeoutMs: 2_000 });
    await waitFor(() => incoming.length === 1);
    await control.close();
    assert.equal(await control.closed, undefined);
    assert.equal(statuses.at(-1), 'closed');
    await assert.rejects(guest);
  } finally {
    await relay.close();
  }
});

test('a control connection stops for good when its session ends', async () => {
  const relay = await startRelay();
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const statuses: RelayControlStatus[] = [];
    const control = await connectRelayHostControl({
      relayUrl: relay.relayUrl,
      sessionId,
      hostToken,
      onIncoming: () => undefined,
      onStatus: (status) => statuses.push(status),
    });
    relay.authority.end(sessionId);
    relay.relay.endSession(sessionId);
    assert.ok((await control.closed) instanceof SessionEndedError);
    assert.deepEqual(statuses, ['connected', 'closed']);
  } finally {
    await relay.close();
  }
});

test('a control connection whose session the relay forgot says so, keeps trying, and recovers', async () => {
  // The relay pings rarely; the client takes 150 ms of silence for a dead network.
  const relay = await startRelay({ keepaliveIntervalMs: 60_000 });
  try {
    const { sessionId, hostToken } = relay.authority.add();
    const statuses: RelayControlStatus[] = [];
    const errors: (Error | undefined)[] = [];
    const control = await connectRelayHostControl({
      relayUrl: relay.relayUrl,
      sessionId,
      hostToken,
      deadAfterMs: 150,
      forgottenRetryDelayMs: 100,
      onIncoming: () => undefined,
      onStatus: (status, error) => {
        statuses.push(status);
        errors.push(error);
      },
    });
    // As a restarted lobby with an in-memory store would.
    const session = relay.authority.sessions.get(sessionId)!;
    relay.authority.sessions.delete(sessionId);
    await waitFor(() => statuses.includes('forgotten'));
    assert.ok(errors[statuses.indexOf('forgotten')] instanceof UnknownSessionError);
    // Several more refused attempts pass quietly.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(statuses, ['connected', 'reconnecting', 'forgotten']);
    relay.authority.sessions.set(sessionId, session);
    await waitFor(() => statuses.length >= 4);
    assert.equal(statuses[3], 'connected');
    await control.close();
    assert.equal(await control.closed, undefined);
  } finally {
    await relay.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, register, startLobby, type Registered } from './helpers.js';

test('registering a session returns an id, a host token, a join link and a relay URL', async () => {
  const lobby = await startLobby({ publicUrl: 'https://lobby.example/' });
  try {
    const session = await register(lobby);
    assert.match(session.sessionId, /^[A-Za-z0-9_-]{22}$/);
    assert.match(session.hostToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.joinUrl, `https://lobby.example/j/${session.sessionId}`);
    assert.equal(session.relayUrl, 'wss://lobby.example/v1/relay');
    assert.equal(lobby.publicUrl, 'https://lobby.example');
    assert.match(lobby.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await lobby.close();
  }
});

test('looking a session up returns its name, addresses and relay URL but no secret', async () => {
  const lobby = await startLobby();
  try {
    const session = await register(lobby);
    const answer = await call(lobby, 'GET', `/v1/sessions/${session.sessionId}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      sessionId: session.sessionId,
      name: 'Ann',
      direct: [{ host: '192.0.2.10', port: 4100 }],
      relayUrl: `${lobby.url.replace('http', 'ws')}/v1/relay`,
    });
    assert.ok(!answer.text.includes(session.hostToken));
    const stored = await lobby.sessions.get(session.sessionId);
    assert.ok(stored.status === 'live' && !JSON.stringify(stored).includes(session.hostToken));
  } finally {
    await lobby.close();
  }
});

test('an ended session answers 410 and the lobby keeps nothing but the fact', async () => {
  const lobby = await startLobby();
  try {
    const session = await register(lobby);
    const path = `/v1/sessions/${session.sessionId}`;
    assert.equal((await call(lobby, 'DELETE', path, { token: session.hostToken })).status, 204);
    const answer = await call(lobby, 'GET', path);
    assert.equal(answer.status, 410);
    assert.deepEqual(answer.body, {
      error: 'session_ended',
      message: 'This session has ended; ask the host for a new link.',
    });
    assert.deepEqual(await lobby.sessions.get(session.sessionId), { status: 'ended' });
    assert.equal((await call(lobby, 'DELETE', path, { token: session.hostToken })).status, 410);
  } finally {
    await lobby.close();
  }
});

test('unknown and malformed session ids answer 404 in the error format', async () => {
  const lobby = await startLobby();
  try {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'short', '%00%0a', "'<script>", 'a'.repeat(90)]) {
      const answer = await call(lobby, 'GET', `/v1/sessions/${encodeURIComponent(id)}`);
      assert.equal(answer.status, 404, id);
      assert.equal(typeof answer.body.error, 'string');
      assert.equal(typeof answer.body.message, 'string');
    }
    const unknown = await call(lobby, 'GET', '/v1/sessions/AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(unknown.body.error, 'unknown_session');
    assert.equal((await call(lobby, 'GET', '/v1/nothing')).body.error, 'not_found');
  } finally {
    await lobby.close();
  }
});

test('ending a session without a token is refused with 401 and with a wrong one with 403', async () => {
  const lobby = await startLobby();
  try {
    const session = await register(lobby);
    const other = await register(lobby);
    const path = `/v1/sessions/${session.sessionId}`;
    const missing = await call(lobby, 'DELETE', path);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error, 'missing_token');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const wrong = await call(lobby, 'DELETE', path, { token: other.hostToken });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error, 'wrong_token');
    assert.equal((await call(lobby, 'GET', path)).status, 200);
  } finally {
    await lobby.close();
  }
});

test('registrations that break the schema are refused with 400 and say what is wrong', async () => {
  const lobby = await startLobby({ limits: { maxDirectAddresses: 2, maxSessionNameLength: 8 } });
  try {
    const bad: unknown[] = [
      {},
      { name: '' },
      { name: 123 },
      { name: 'a\nb' },
      { name: 'far too long a name' },
      { name: 'Ann', direct: [{ host: 'h', port: 0 }] },
      { name: 'Ann', direct: [{ host: 'h', port: 65536 }] },
      { name: 'Ann', direct: [{ host: 'h', port: '80' }] },
      { name: 'Ann', direct: [{ host: 'evil host;rm', port: 80 }] },
      { name: 'Ann', direct: [1, 2, 3].map((i) => ({ host: `h${i}`, port: 80 })) },
      [],
    ];
    for (const body of bad) {
      const answer = await call(lobby, 'POST', '/v1/sessions', { body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error, 'invalid_request');
      assert.match(String(answer.body.message), /^The request is invalid: /);
    }
    const broken = await call(lobby, 'POST', '/v1/sessions', { rawBody: '{"name":' });
    assert.equal(broken.status, 400);
    assert.equal(typeof broken.body.message, 'string');
    const minimal = await call(lobby, 'POST', '/v1/sessions', { body: { name: 'Ann', x: 1 } });
    assert.equal(minimal.status, 201);
  } finally {
    await lobby.close();
  }
});

test('a body over the size limit is refused with 413', async () => {
  const lobby = await startLobby({ limits: { maxBodyBytes: 1024 } });
  try {
    const body = { name: 'Ann', direct: [], padding: 'x'.repeat(1025) };
    const answer = await call(lobby, 'POST', '/v1/sessions', { body });
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error, 'body_too_large');
  } finally {
    await lobby.close();
  }
});

test('registrations beyond the session limit are refused with 503 until one ends', async () => {
  const lobby = await startLobby({ limits: { maxSessions: 2 } });
  try {
    const attempts = await Promise.all(
      [1, 2, 3, 4, 5].map(() => call(lobby, 'POST', '/v1/sessions', { body: { name: 'Cy' } })),
    );
    const statuses = attempts.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [201, 201, 503, 503, 503]);
    const refused = attempts.find((answer) => answer.status === 503)!;
    assert.equal(refused.body.error, 'too_many_sessions');
    const first = attempts.find((answer) => answer.status === 201)!.body as unknown as Registered;
    await call(lobby, 'DELETE', `/v1/sessions/${first.sessionId}`, { token: first.hostToken });
    await register(lobby);
  } finally {
    await lobby.close();
  }
});

test('the health check answers ok and every answer carries the security headers', async () => {
  const lobby = await startLobby();
  try {
    const answer = await call(lobby, 'GET', '/healthz');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { ok: true });
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const relayPath = await call(lobby, 'GET', '/v1/relay/guest/AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(relayPath.status, 426);
    assert.equal(relayPath.body.error, 'upgrade_required');
  } finally {
    await lobby.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RELAY_CLOSE,
  RELAY_HTTP_ERRORS,
  TokenBucket,
  matchRelayPath,
  parseBearerToken,
  parseRelaySignal,
  randomId,
  relayEndpoint,
  resolveRelayLimits,
} from '../../src/relay/index.js';

test('the token bucket lets a burst through, then asks for a wait proportional to the debt', () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 1000, now: () => now });
  assert.equal(bucket.take(1000), 0);
  assert.equal(bucket.take(500), 500);
  now += 500;
  assert.equal(bucket.take(0), 0);
  now += 10_000;
  // Idle time refills up to one second's worth, never more.
  assert.equal(bucket.take(1001), 1);
});

test('relay paths are parsed strictly and anything odd is refused', () => {
  const id = randomId();
  const conn = randomId();
  assert.deepEqual(matchRelayPath(`/v1/relay/guest/${id}?x=1`), {
    route: { kind: 'guest', sessionId: id },
  });
  assert.deepEqual(matchRelayPath(`/v1/relay/accept/${id}/${conn}`), {
    route: { kind: 'accept', sessionId: id, connId: conn },
  });
  assert.equal(matchRelayPath('/healthz'), undefined);
  assert.equal(matchRelayPath('/v1/relayx'), undefined);
  assert.deepEqual(matchRelayPath('/v1/relay'), { refuse: RELAY_HTTP_ERRORS.notFound });
  assert.deepEqual(matchRelayPath(`/v1/relay/host/${id}/more`), {
    refuse: RELAY_HTTP_ERRORS.notFound,
  });
  const bad = matchRelayPath('/v1/relay/host/..%2F..%2Fetc');
  assert.ok(bad && 'refuse' in bad && bad.refuse.status === 400);
});

test('bearer tokens are read only from well-formed Bearer headers', () => {
  assert.equal(parseBearerToken('Bearer abc-DEF_123'), 'abc-DEF_123');
  assert.equal(parseBearerToken('bearer abc'), 'abc');
  assert.equal(parseBearerToken('Basic abc'), undefined);
  assert.equal(parseBearerToken('Bearer '), undefined);
  assert.equal(parseBearerToken('Bearer a b'), undefined);
  assert.equal(parseBearerToken(['Bearer abc']), undefined);
  assert.equal(parseBearerToken(`Bearer ${'a'.repeat(300)}`), undefined);
  assert.equal(parseBearerToken(undefined), undefined);
});

test('relay signals are parsed defensively', () => {
  assert.deepEqual(parseRelaySignal('{"type":"ready"}'), { type: 'ready' });
  assert.deepEqual(parseRelaySignal('{"type":"incoming","connId":"x","extra":1}'), {
    type: 'incoming',
    connId: 'x',
  });
  assert.equal(parseRelaySignal('{"type":"incoming","connId":5}'), undefined);
  assert.equal(parseRelaySignal('null'), undefined);
  assert.equal(parseRelaySignal('{'), undefined);
  assert.equal(parseRelaySignal(`{"type":"ready","pad":"${'x'.repeat(2000)}"}`), undefined);
});

test('relay endpoints are built from ws URLs only, with checked ids', () => {
  const id = randomId();
  assert.equal(
    relayEndpoint('wss://lobby.example/v1/relay/', 'guest', id).href,
    `wss://lobby.example/v1/relay/guest/${id}`,
  );
  assert.throws(() => relayEndpoint('https://lobby.example/v1/relay', 'guest', id), RangeError);
  assert.throws(() => relayEndpoint('wss://lobby.example/v1/relay', 'guest', '../x'), RangeError);
});

test('relay limits must be positive integers and close codes are unique', () => {
  assert.throws(() => resolveRelayLimits({ maxFrameBytes: 0 }), /maxFrameBytes/);
  assert.throws(() => resolveRelayLimits({ idleTimeoutMs: 1.5 }), RangeError);
  assert.equal(resolveRelayLimits({ maxFrameBytes: 10 }).maxFrameBytes, 10);
  const codes = Object.values(RELAY_CLOSE).map((spec) => spec.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const spec of Object.values(RELAY_CLOSE)) assert.ok(Buffer.byteLength(spec.reason) <= 123);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySessionStore, type SessionRecord } from '../../src/lobby/index.js';

const record = (sessionId: string): SessionRecord => ({
  sessionId,
  name: 'Ann',
  direct: [],
  hostTokenHash: 'hash',
  createdAt: 0,
});

test('an ended session is remembered as ended until its tombstone expires', async () => {
  let now = 0;
  const store = new MemorySessionStore({ tombstoneTtlMs: 1_000, now: () => now });
  await store.create(record('a'), 10);
  assert.equal((await store.get('a')).status, 'live');
  assert.equal(await store.end('a'), true);
  assert.equal(await store.end('a'), false);
  assert.deepEqual(await store.get('a'), { status: 'ended' });
  now = 999;
  assert.deepEqual(await store.get('a'), { status: 'ended' });
  now = 1_000;
  assert.deepEqual(await store.get('a'), { status: 'unknown' });
  assert.equal(await store.countLive(), 0);
});

test('tombstones beyond the limit forget the oldest first', async () => {
  const store = new MemorySessionStore({ maxTombstones: 2 });
  for (const id of ['a', 'b', 'c']) {
    await store.create(record(id), 10);
    await store.end(id);
  }
  assert.equal((await store.get('a')).status, 'unknown');
  assert.equal((await store.get('b')).status, 'ended');
  assert.equal((await store.get('c')).status, 'ended');
});

test('the store hands out copies, so callers cannot change what it holds', async () => {
  const store = new MemorySessionStore();
  await store.create(record('a'), 10);
  const lookup = await store.get('a');
  assert.ok(lookup.status === 'live');
  lookup.session.name = 'Mallory';
  const again = await store.get('a');
  assert.ok(again.status === 'live' && again.session.name === 'Ann');
  await assert.rejects(store.create(record('a'), 10), RangeError);
  assert.equal(await store.create(record('b'), 1), false);
});

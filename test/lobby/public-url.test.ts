import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localUrl, normalizePublicUrl, relayUrlFor } from '../../src/lobby/index.js';

test('public URLs are origins without a trailing slash', () => {
  assert.equal(normalizePublicUrl('https://Lobby.Example/'), 'https://lobby.example');
  assert.equal(normalizePublicUrl('http://10.0.0.5:8787'), 'http://10.0.0.5:8787');
  assert.throws(() => normalizePublicUrl('ftp://lobby.example'), RangeError);
  assert.throws(() => normalizePublicUrl('https://lobby.example/prefix'), RangeError);
  assert.throws(() => normalizePublicUrl('not a url'), RangeError);
});

test('relay URLs use the ws scheme that matches the public URL', () => {
  assert.equal(relayUrlFor('https://l.example', '/v1/relay'), 'wss://l.example/v1/relay');
  assert.equal(relayUrlFor('http://l.example:80', '/v1/relay'), 'ws://l.example:80/v1/relay');
});

test('wildcard listen addresses become loopback in local URLs', () => {
  assert.equal(localUrl('0.0.0.0', 8787), 'http://127.0.0.1:8787');
  assert.equal(localUrl('::', 1), 'http://[::1]:1');
  assert.equal(localUrl('lobby.local', 2), 'http://lobby.local:2');
});

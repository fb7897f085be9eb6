/** What a hostile guest or a leaked link can try against a running host. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { connectToHost } from '../../src/guest/connector.js';
import { lookupSession } from '../../src/lobby/client.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { createIdentity } from '../../src/security/identity.js';
import { parseJoinLink } from '../../src/security/link.js';
import { startHostCli, useStage } from './harness.js';

/** A guest speaking the protocol by hand, recording every frame the host sends. */
async function rawGuest(
  link: string,
  name: string,
): Promise<{ socket: TLSSocket; frames: unknown[]; closed: Promise<void> }> {
  const parsed = parseJoinLink(link);
  const session = await lookupSession(parsed.lobbyUrl, parsed.sessionId);
  const { socket } = await connectToHost({
    identity: await createIdentity(),
    fingerprint: parsed.fingerprint,
    sessionId: session.sessionId,
    direct: session.direct,
    relayUrl: session.relayUrl,
  });
  const frames: unknown[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (d: Buffer) => frames.push(...decoder.push(d).map((f) => f.header)));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(encodeFrame({ t: 'hello', protocol: PROTOCOL_VERSION, name }));
  return { socket, frames, closed };
}

describe('a host under abuse', () => {
  const stage = useStage();

  test('more waiting guests than the limit are refused one by one and the host keeps running', async () => {
    const { host, link } = await startHostCli(stage);
    try {
      const guests = [];
      for (let i = 0; i < 10; i++) guests.push(await rawGuest(link, `flood${i}`));
      await Promise.race(guests.slice(8).map((g) => g.closed));
      const refused = guests.filter((g) =>
        g.frames.some((f) => (f as { code?: string }).code === 'too_many_pending'),
      );
      assert.ok(refused.length >= 1, 'at least one guest was refused for the limit');
      assert.equal(host.child.exitCode, null, 'the host is still running');
      const requests = host.events.filter((e) => e.event === 'join-request');
      assert.equal(requests.length, 8);
      for (const g of guests) g.socket.destroy();
    } finally {
      assert.equal(await host.stop(), 0);
    }
  });

  test('with two guests waiting, a bare answer admits nobody and asks for an id', async () => {
    const { host, link } = await startHostCli(stage);
    try {
      const first = await rawGuest(link, 'mallory');
      await host.waitFor((e) => e.event === 'join-request' && e.name === 'mallory');
      const second = await rawGuest(link, 'ann');
      await host.waitFor((e) => e.event === 'join-request' && e.name === 'ann');
      host.send('r');
      const complaint = await host.waitFor('error');
      assert.match(String(complaint.message), /2 guests are waiting/);
      assert.equal(host.events.filter((e) => e.event === 'joined').length, 0);
      first.socket.destroy();
      second.socket.destroy();
    } finally {
      await host.stop();
    }
  });

  test('a name with terminal control characters is refused before the host sees it', async () => {
    const { host, link } = await startHostCli(stage);
    try {
      const evil = await rawGuest(link, 'bob\u001b[2K\rPIN: 000 000');
      await evil.closed;
      assert.ok(evil.frames.some((f) => (f as { code?: string }).code === 'malformed_message'));
      assert.equal(host.events.filter((e) => e.event === 'join-request').length, 0);
    } finally {
      await host.stop();
    }
  });
});

/**
 * The security properties of the secure join (issue 2), each against real processes, a real
 * lobby and relay, and real TLS on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tls from 'node:tls';
import { connectToHost } from '../../src/guest/connector.js';
import { lookupSession } from '../../src/lobby/client.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { openRelayGuest } from '../../src/relay/index.js';
import { createIdentity } from '../../src/security/identity.js';
import { parseJoinLink } from '../../src/security/link.js';
import {
  CliProcess,
  makeProject,
  RecordingProxy,
  runCli,
  SECRET_CONTENT,
  SECRET_NAME,
  startRecordedLobby,
  tempDir,
} from './harness.js';

type Lobby = Awaited<ReturnType<typeof startRecordedLobby>>;

function hostArgs(dir: string, lobby: Lobby, ...extra: string[]): string[] {
  return [
    'host',
    dir,
    '--lobby',
    lobby.proxy.url,
    '--listen',
    '127.0.0.1',
    '--json',
    '--name',
    'hosty',
    ...extra,
  ];
}

describe('secure join', () => {
  let lobby: Lobby;
  let project: Awaited<ReturnType<typeof makeProject>>;
  before(async () => {
    lobby = await startRecordedLobby();
    project = await makeProject();
  });
  after(async () => {
    await lobby.close();
    await project.cleanup();
  });

  test('a guest aborts before sending its name when the link pins another certificate', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby));
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const other = (await createIdentity()).fingerprint;
      const forged = `${link.split('#')[0]}#${other}`;
      const result = await runCli(['join', forged, '--json', '--name', 'mallory-target']);
      assert.equal(result.code, 4);
      assert.match(result.stderr, /impersonat/i);
      assert.equal(result.stderr.trim().split('\n').length, 1, 'one-line error');
      // Give the host time to have seen anything the guest might have sent.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(host.events.filter((e) => e.event === 'join-request').length, 0);
    } finally {
      await host.stop();
    }
  });

  test('the PIN the guest shows equals the one in the host join request, and differs per guest', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby));
    const guests: CliProcess[] = [];
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      for (const name of ['ann', 'ben'])
        guests.push(new CliProcess(['join', link, '--json', '--name', name]));
      const pins = [];
      for (const [i, guest] of guests.entries()) {
        const { pin } = (await guest.waitFor('pin')) as unknown as { pin: string };
        const request = await host.waitFor(
          (e) => e.event === 'join-request' && e.name === ['ann', 'ben'][i],
        );
        assert.equal(request.pin, pin);
        assert.match(pin, /^\d{3} \d{3}$/);
        pins.push(pin);
      }
      assert.notEqual(pins[0], pins[1]);
    } finally {
      for (const guest of guests) await guest.stop();
      await host.stop();
    }
  });

  test('a guest that is waiting or denied receives no file name or content', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby, '--relay-only'));
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const parsed = parseJoinLink(link);
      const session = await lookupSession(parsed.lobbyUrl, parsed.sessionId);
      const { socket } = await connectToHost({
        identity: await createIdentity(),
        fingerprint: parsed.fingerprint,
        sessionId: session.sessionId,
        direct: [],
        relayUrl: session.relayUrl,
        relayOnly: true,
      });
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      // The host closing after the denial may race our own close; that is not under test.
      socket.on('error', () => undefined);
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write(encodeFrame({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'eve' }));
      // A guest that asks for the tree before approval must get nothing either.
      const request = await host.waitFor('join-request');
      socket.write(encodeFrame({ t: 'sync' }));
      await new Promise((r) => setTimeout(r, 500));
      host.send(`deny ${String(request.id)}`);
      await closed;
      const plaintext = Buffer.concat(received);
      const types = new FrameDecoder().push(plaintext).map((f) => (f.header as { t: string }).t);
      assert.equal(types[0], 'hello');
      assert.ok(
        types.every((t) => ['hello', 'pending', 'error'].includes(t)),
        `got ${types.join(',')}`,
      );
      for (const secret of [SECRET_NAME, SECRET_CONTENT, 'README', 'util.py']) {
        assert.equal(plaintext.includes(secret), false, `${secret} reached an unapproved guest`);
      }
    } finally {
      await host.stop();
    }
  });

  test('a denied guest exits non-zero with a one-line error', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby));
    const mirror = await tempDir();
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const guest = new CliProcess([
        'join',
        link,
        '--json',
        '--name',
        'dan',
        '--mirror',
        mirror.dir,
      ]);
      const request = await host.waitFor('join-request');
      host.send(`deny ${String(request.id)}`);
      assert.equal(await guest.exited, 3);
      assert.ok(guest.events.some((e) => e.event === 'denied'));
      assert.match(guest.stderr, /denied/);
      // Nothing but the mirror's own marker: no file of the host's arrived.
      assert.deepEqual(await import('node:fs/promises').then((fs) => fs.readdir(mirror.dir)), [
        '.tandem-mirror',
      ]);
    } finally {
      await host.stop();
      await mirror.cleanup();
    }
  });

  test('bytes between agents and the relay carry no file names, contents or fingerprint', async () => {
    const before = lobby.proxy.chunks.length;
    const host = new CliProcess(hostArgs(project.dir, lobby, '--relay-only', '--approve', 'auto'));
    const mirror = await tempDir();
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const guest = new CliProcess([
        'join',
        link,
        '--json',
        '--relay-only',
        '--mirror',
        mirror.dir,
      ]);
      await guest.waitFor('synced');
      // The mirror did get the plaintext, so its absence on the wire below means something.
      const copied = await readFile(join(mirror.dir, 'src', `${SECRET_NAME}.ts`), 'utf8');
      assert.ok(copied.includes(SECRET_CONTENT));
      await guest.stop();
      const wire = Buffer.concat(lobby.proxy.chunks.slice(before));
      assert.ok(wire.length > 1000, 'the proxy saw the relayed traffic');
      for (const secret of [SECRET_NAME, SECRET_CONTENT, '# demo', 'print("hi")']) {
        assert.equal(wire.includes(secret), false, `${secret} crossed the relay in plaintext`);
      }
      const fingerprint = parseJoinLink(link).fingerprint;
      assert.equal(wire.includes(fingerprint), false, 'the fingerprint reached the lobby or relay');
      assert.equal(wire.includes(Buffer.from(fingerprint, 'base64url')), false);
    } finally {
      await host.stop();
      await mirror.cleanup();
    }
  });

  test('the lobby never receives the fingerprint from the link', async () => {
    const before = lobby.proxy.chunks.length;
    const host = new CliProcess(hostArgs(project.dir, lobby, '--approve', 'auto'));
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const fingerprint = parseJoinLink(link).fingerprint;
      const guest = new CliProcess(['join', link, '--json']);
      await guest.waitFor('approved');
      await guest.stop();
      // The guest looked the session up through the proxy: the id is there, the fragment is not.
      const wire = Buffer.concat(lobby.proxy.chunks.slice(before)).toString('latin1');
      assert.ok(wire.includes(parseJoinLink(link).sessionId));
      assert.equal(wire.includes(fingerprint), false);
      assert.equal(wire.includes(createHash('sha256').update(fingerprint).digest('hex')), false);
    } finally {
      await host.stop();
    }
  });

  test('after the host ends the session the link answers "session ended" and joins fail', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby, '--approve', 'auto'));
    const { link } = (await host.waitFor('link')) as unknown as { link: string };
    const guest = new CliProcess(['join', link, '--json']);
    await guest.waitFor('approved');
    host.send('end');
    assert.equal(await host.exited, 0);
    assert.equal(await guest.exited, 0);
    assert.ok(guest.events.some((e) => e.event === 'ended'));
    const parsed = parseJoinLink(link);
    const response = await fetch(`${lobby.lobby.url}/v1/sessions/${parsed.sessionId}`);
    assert.equal(response.status, 410);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.error, 'session_ended');
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
    const late = await runCli(['join', link, '--json']);
    assert.equal(late.code, 5);
    assert.match(late.stderr, /session has ended/);
  });

  test('Ctrl-C on the host ends the session the same way', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby, '--approve', 'auto'));
    const { link } = (await host.waitFor('link')) as unknown as { link: string };
    host.child.kill('SIGINT');
    assert.equal(await host.exited, 0);
    assert.ok(host.events.some((e) => e.event === 'ended'));
    const late = await runCli(['join', link]);
    assert.equal(late.code, 5);
  });

  test('direct and relay both work, and the first verified handshake wins', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby, '--approve', 'auto'));
    const slow = new RecordingProxy();
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const parsed = parseJoinLink(link);
      const session = await lookupSession(parsed.lobbyUrl, parsed.sessionId);
      assert.ok(session.direct.length > 0);
      const identity = await createIdentity();
      const base = { identity, fingerprint: parsed.fingerprint, sessionId: session.sessionId };
      const direct = await connectToHost({
        ...base,
        direct: session.direct,
        relayUrl: session.relayUrl,
        relayOnly: false,
      });
      assert.equal(direct.via, 'direct');
      direct.socket.destroy();
      const relayed = await connectToHost({
        ...base,
        direct: [],
        relayUrl: session.relayUrl,
        relayOnly: true,
      });
      assert.equal(relayed.via, 'relay');
      relayed.socket.destroy();
      // Slow the direct path down: the relay now completes first and wins.
      slow.targetPort = session.direct[0]!.port;
      slow.delayMs = 700;
      const slowPort = await slow.listen();
      const raced = await connectToHost({
        ...base,
        direct: [{ host: '127.0.0.1', port: slowPort }],
        relayUrl: session.relayUrl,
      });
      assert.equal(raced.via, 'relay');
      raced.socket.destroy();
      // And a slow relay loses to the direct path.
      lobby.proxy.delayMs = 700;
      const raced2 = await connectToHost({
        ...base,
        direct: session.direct,
        relayUrl: session.relayUrl,
      });
      lobby.proxy.delayMs = 0;
      assert.equal(raced2.via, 'direct');
      raced2.socket.destroy();
    } finally {
      lobby.proxy.delayMs = 0;
      await slow.close();
      await host.stop();
    }
  });

  test('only TLS 1.3 is accepted, directly and through the relay', async () => {
    const host = new CliProcess(hostArgs(project.dir, lobby));
    try {
      const { link } = (await host.waitFor('link')) as unknown as { link: string };
      const parsed = parseJoinLink(link);
      const session = await lookupSession(parsed.lobbyUrl, parsed.sessionId);
      const attempt = (socketOptions: tls.ConnectionOptions): Promise<string> =>
        new Promise((resolve) => {
          const client = tls.connect({
            ...socketOptions,
            maxVersion: 'TLSv1.2',
            // A probe that only checks the refusal; it never sends data.
            rejectUnauthorized: false,
          });
          client.on('secureConnect', () => {
            client.destroy();
            resolve('connected');
          });
          client.on('error', (error: Error & { code?: string }) =>
            resolve(String(error.code ?? error.message)),
          );
        });
      const { host: address, port } = session.direct[0]!;
      assert.notEqual(await attempt({ host: address, port }), 'connected');
      const stream = await openRelayGuest({
        relayUrl: session.relayUrl,
        sessionId: session.sessionId,
      });
      assert.notEqual(await attempt({ socket: stream }), 'connected');
      assert.equal(host.events.filter((e) => e.event === 'join-request').length, 0);
    } finally {
      await host.stop();
    }
  });
});

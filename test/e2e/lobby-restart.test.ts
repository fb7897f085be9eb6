/** What host and guest say and do when the lobby restarts under them. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test } from 'node:test';
import { CliProcess, makeProject, startHostCli, startRecordedLobby, tempDir } from './harness.js';

/** A port on 127.0.0.1 that was free a moment ago, so that a lobby can restart on it. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startLobbyCli(port: number): Promise<CliProcess> {
  const lobby = new CliProcess(['lobby', '--host', '127.0.0.1', '--port', String(port), '--json']);
  await lobby.waitFor('listening');
  return lobby;
}

test('a lobby that restarts and forgets the session: the host says so and goes on, the guest exits 5', async () => {
  const port = await freePort();
  const project = await makeProject();
  const mirror = await tempDir();
  let lobby = await startLobbyCli(port);
  const host = new CliProcess([
    'host',
    project.dir,
    '--lobby',
    `http://127.0.0.1:${port}`,
    '--listen',
    '127.0.0.1',
    '--relay-only',
    '--json',
  ]);
  try {
    const { link } = (await host.waitFor('link')) as unknown as { link: string };
    const guest = new CliProcess(['join', link, '--json', '--relay-only', '--mirror', mirror.dir]);
    const request = await host.waitFor('join-request');
    host.send(`approve ${String(request.id)} edit`);
    await guest.waitFor('synced');

    // The lobby's sessions live in memory: a new process knows nothing of this one.
    assert.equal(await lobby.stop(), 0);
    lobby = await startLobbyCli(port);

    const lost = await host.waitFor('lobby-lost');
    assert.equal(lost.lobbyUrl, `http://127.0.0.1:${port}`);
    assert.match(String(lost.message), /no longer knows this session/);
    const dropped = host.events.find((e) => e.event === 'relay-lost');
    assert.equal(dropped?.retrying, true, 'the host first said it was reconnecting');

    assert.equal(await guest.exited, 5, 'unknown session, not a session the host ended');
    assert.match(
      guest.stderr,
      /no longer knows this session \(it may have restarted\); ask the host for a new link/,
    );
    assert.ok(!guest.events.some((e) => e.event === 'ended'), 'the guest did not claim an end');
    assert.equal(host.child.exitCode, null, 'the host goes on for guests connected directly');
  } finally {
    await host.stop();
    await lobby.stop();
    await project.cleanup();
    await mirror.cleanup();
  }
});

test('a host whose relay connection drops reconnects by itself and says so', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  let host: CliProcess | undefined;
  try {
    host = (await startHostCli({ lobby, project }, '--relay-only')).host;
    lobby.proxy.cutAll();
    const lost = await host.waitFor('relay-lost');
    assert.equal(lost.retrying, true);
    await host.waitFor('relay-restored');
    assert.ok(!host.events.some((e) => e.event === 'lobby-lost'));
  } finally {
    await host?.stop();
    await lobby.close();
    await project.cleanup();
  }
});

/** Guests and hosts come back by themselves after the relay path drops. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CliProcess,
  makeProject,
  startRecordedLobby,
  tempDir,
  eventually,
  startHostCli,
} from './harness.js';

test('after the relay drops, the guest reconnects, is readmitted without asking, and catches up', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  const mirror = await tempDir();
  let host: CliProcess | undefined;
  try {
    const started = await startHostCli({ lobby, project }, '--relay-only');
    host = started.host;
    const { link } = started;
    const guest = new CliProcess(['join', link, '--json', '--relay-only', '--mirror', mirror.dir]);
    const request = await host.waitFor('join-request');
    host.send(`approve ${String(request.id)} edit`);
    await guest.waitFor('synced');

    lobby.proxy.cutAll();
    await guest.waitFor('reconnecting');
    // A change made while apart reaches the mirror once the guest is back.
    await writeFile(join(project.dir, 'README.md'), '# changed while apart\n');
    await host.waitFor((e) => e.event === 'joined' && e.readmitted === true);
    await eventually(
      async () =>
        (await readFile(join(mirror.dir, 'README.md'), 'utf8')) === '# changed while apart\n',
    );
    assert.equal(
      host.events.filter((e) => e.event === 'join-request').length,
      1,
      'the host was not asked again',
    );
    const approvals = guest.events.filter((e) => e.event === 'approved');
    assert.deepEqual(
      approvals.map((e) => e.role),
      ['edit', 'edit'],
    );
  } finally {
    await host?.stop();
    await lobby.close();
    await project.cleanup();
    await mirror.cleanup();
  }
});

test('a removed guest is told, exits 3, and is asked about again when it returns', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  const host = new CliProcess([
    'host',
    project.dir,
    '--lobby',
    lobby.proxy.url,
    '--listen',
    '127.0.0.1',
    '--json',
  ]);
  try {
    const { link } = (await host.waitFor('link')) as unknown as { link: string };
    const guest = new CliProcess(['join', link, '--json', '--name', 'rex']);
    const request = await host.waitFor('join-request');
    host.send(`approve ${String(request.id)} read-only`);
    await guest.waitFor('approved');
    host.send(`role ${String(request.id)} full`);
    assert.equal((await guest.waitFor('role')).role, 'full');
    host.send(`kick ${String(request.id)}`);
    assert.equal(await guest.exited, 3);
    assert.ok(guest.events.some((e) => e.event === 'removed'));
    await host.waitFor('removed');
  } finally {
    await host.stop();
    await lobby.close();
    await project.cleanup();
  }
});

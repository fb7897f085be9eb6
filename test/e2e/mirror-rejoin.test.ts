/** A mirror folder joined again after Tandem was stopped keeps what was done in it meanwhile. */
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CliProcess,
  eventually,
  makeProject,
  startHostCli,
  startRecordedLobby,
  tempDir,
  type CliEvent,
} from './harness.js';

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

/** Joins with `--mirror dir`, has the host approve with `role`, and waits for the mirror. */
async function joinInto(
  host: CliProcess,
  link: string,
  name: string,
  dir: string,
): Promise<CliProcess> {
  const guest = new CliProcess([
    'join',
    link,
    '--json',
    '--relay-only',
    '--name',
    name,
    '--mirror',
    dir,
  ]);
  const request = await host.waitFor(
    (e) => e.event === 'join-request' && e.name === name && !e.handled,
  );
  request.handled = true;
  host.send(`approve ${String(request.id)} edit`);
  await guest.waitFor('synced');
  return guest;
}

/** Stops a guest as Ctrl-C does and waits for it to exit. */
async function interrupt(guest: CliProcess): Promise<void> {
  guest.child.kill('SIGINT');
  await guest.exited;
}

test('edits made in a mirror while Tandem was not running reach the host on the next join', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  await writeFile(join(project.dir, 'merge.txt'), 'first line\n');
  const mirror = await tempDir();
  let host: CliProcess | undefined;
  try {
    const started = await startHostCli({ lobby, project }, '--relay-only');
    host = started.host;
    await interrupt(await joinInto(host, started.link, 'first', mirror.dir));

    await appendFile(join(mirror.dir, 'merge.txt'), 'OFFLINE EDIT\n');
    await writeFile(join(mirror.dir, 'offline-note.txt'), 'x\n');

    const again = await joinInto(host, started.link, 'again', mirror.dir);
    await eventually(
      async () => (await read(join(project.dir, 'merge.txt'))) === 'first line\nOFFLINE EDIT\n',
    );
    await eventually(async () => (await read(join(project.dir, 'offline-note.txt'))) === 'x\n');
    assert.equal(await read(join(mirror.dir, 'merge.txt')), 'first line\nOFFLINE EDIT\n');
    assert.equal(await read(join(mirror.dir, 'offline-note.txt')), 'x\n');
    await interrupt(again);
  } finally {
    await host?.stop();
    await lobby.close();
    await project.cleanup();
    await mirror.cleanup();
  }
});

test('joining another session into a mirror moves local work aside and says where', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  await writeFile(join(project.dir, 'merge.txt'), 'first line\n');
  const mirror = await tempDir();
  let host: CliProcess | undefined;
  try {
    let started = await startHostCli({ lobby, project }, '--relay-only');
    host = started.host;
    await interrupt(await joinInto(host, started.link, 'first', mirror.dir));
    await host.stop();

    await appendFile(join(mirror.dir, 'merge.txt'), 'OFFLINE EDIT\n');
    await writeFile(join(mirror.dir, 'offline-note.txt'), 'x\n');

    // The host shares again: a new session, where the mirror's local work has no place.
    started = await startHostCli({ lobby, project }, '--relay-only');
    host = started.host;
    const guest = await joinInto(host, started.link, 'again', mirror.dir);
    const named = (path: string) => (e: CliEvent) =>
      (e.event === 'reverted' || e.event === 'skipped') && e.path === path;
    const backups = new Map<string, string>();
    for (const path of ['merge.txt', 'offline-note.txt']) {
      const event = await guest.waitFor(named(path));
      const text = String(event.message ?? event.reason);
      const backup = /(?:saved as|mirror to) (.+)$/.exec(text)?.[1] ?? '';
      assert.ok(backup.includes('.tandem-mirror-state'), text);
      backups.set(path, backup);
    }
    assert.equal(await read(backups.get('merge.txt')!), 'first line\nOFFLINE EDIT\n');
    assert.equal(await read(backups.get('offline-note.txt')!), 'x\n');
    assert.equal(await read(join(mirror.dir, 'merge.txt')), 'first line\n');
    assert.equal(await read(join(project.dir, 'offline-note.txt')), '', 'not sent');
    await interrupt(guest);
  } finally {
    await host?.stop();
    await lobby.close();
    await project.cleanup();
    await mirror.cleanup();
  }
});

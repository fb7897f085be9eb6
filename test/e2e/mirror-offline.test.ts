/** Mirror edits made while the guest is cut off from the host meet the host's edits on return. */
import assert from 'node:assert/strict';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CliProcess,
  eventually,
  makeProject,
  startHostCli,
  startRecordedLobby,
  tempDir,
} from './harness.js';

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

test('edits made in a mirror while apart merge with the host’s; a read-only mirror is put back', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  await writeFile(join(project.dir, 'notes.txt'), 'one\ntwo\nthree\nfour\nfive\n');
  const editor = await tempDir();
  const reader = await tempDir();
  let host: CliProcess | undefined;
  try {
    const started = await startHostCli({ lobby, project }, '--relay-only');
    host = started.host;
    const guests: CliProcess[] = [];
    for (const [name, dir, role] of [
      ['ed', editor.dir, 'edit'],
      ['ro', reader.dir, 'read-only'],
    ] as const) {
      const guest = new CliProcess([
        'join',
        started.link,
        '--json',
        '--relay-only',
        '--name',
        name,
        '--mirror',
        dir,
      ]);
      const request = await host.waitFor((e) => e.event === 'join-request' && e.name === name);
      host.send(`approve ${String(request.id)} ${role}`);
      await guest.waitFor('synced');
      guests.push(guest);
    }
    const [ed, ro] = guests as [CliProcess, CliProcess];

    // The relay becomes unreachable: both guests lose the host and keep trying.
    lobby.proxy.refusing = true;
    lobby.proxy.cutAll();
    await ed.waitFor('reconnecting');
    await ro.waitFor('reconnecting');

    // While apart, the editing guest changes the first line, adds a file and deletes one...
    await writeFile(join(editor.dir, 'notes.txt'), 'one (guest)\ntwo\nthree\nfour\nfive\n');
    await writeFile(join(editor.dir, 'offline.txt'), 'made while apart\n');
    await mkdir(join(editor.dir, 'fresh'));
    await writeFile(join(editor.dir, 'fresh', 'inner.txt'), 'inside a new folder\n');
    await rm(join(editor.dir, 'README.md'));
    // ...the read-only guest changes its copy, which may not stand...
    await writeFile(join(reader.dir, 'notes.txt'), 'vandalised\n');
    // ...and the host changes the last line of the same file.
    await writeFile(join(project.dir, 'notes.txt'), 'one\ntwo\nthree\nfour\nfive (host)\n');
    // Time for both sides' watchers to see the changes before the guests can come back.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    lobby.proxy.refusing = false;
    await eventually(
      () => host!.events.filter((e) => e.event === 'joined' && e.readmitted === true).length >= 2,
      30_000,
    );
    const merged = 'one (guest)\ntwo\nthree\nfour\nfive (host)\n';
    await eventually(async () => (await read(join(project.dir, 'notes.txt'))) === merged);
    await eventually(async () => (await read(join(editor.dir, 'notes.txt'))) === merged);
    await eventually(
      async () => (await read(join(project.dir, 'offline.txt'))) === 'made while apart\n',
    );
    await eventually(
      async () => (await read(join(project.dir, 'fresh', 'inner.txt'))) === 'inside a new folder\n',
    );
    await eventually(async () => !(await exists(join(project.dir, 'README.md'))));
    await eventually(async () => (await read(join(reader.dir, 'notes.txt'))) === merged);
    await ro.waitFor((e) => e.event === 'reverted' && e.path === 'notes.txt');
    assert.equal(await read(join(editor.dir, 'offline.txt')), 'made while apart\n');
    assert.equal(await exists(join(editor.dir, 'README.md')), false);
    assert.equal(await exists(join(reader.dir, 'README.md')), false);
  } finally {
    await host?.stop();
    await lobby.close();
    await project.cleanup();
    await editor.cleanup();
    await reader.cleanup();
  }
});

/** The guest mirror as a two-way copy: edits in it reach the host and other guests. */
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

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

test('an edit in one guest mirror reaches the host disk and the other guest; a read-only one is put back', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  const mirrors = [await tempDir(), await tempDir(), await tempDir()];
  let host: CliProcess | undefined;
  try {
    const started = await startHostCli({ lobby, project }, '--relay-only');
    host = started.host;
    const { link } = started;
    const roles = ['edit', 'edit', 'read-only'];
    const guests = [];
    for (const [i, role] of roles.entries()) {
      const guest = new CliProcess([
        'join',
        link,
        '--json',
        '--relay-only',
        '--name',
        `peer${i}`,
        '--mirror',
        mirrors[i]!.dir,
      ]);
      const request = await host.waitFor(
        (e) => e.event === 'join-request' && e.name === `peer${i}`,
      );
      host.send(`approve ${String(request.id)} ${role}`);
      await guest.waitFor('synced');
      guests.push(guest);
    }
    const file = (i: number): string => join(mirrors[i]!.dir, 'src', 'nested', 'util.py');
    assert.equal(await read(file(0)), 'print("hi")\r\n');
    // Guest 0 edits with "an editor": a plain write of the whole file, LF endings kept as CRLF.
    await writeFile(file(0), 'print("hi")\r\nprint("from g0")\r\n');
    const expected = 'print("hi")\r\nprint("from g0")\r\n';
    await eventually(
      async () => (await read(join(project.dir, 'src', 'nested', 'util.py'))) === expected,
    );
    await eventually(async () => (await read(file(1))) === expected);
    // A new file created in a mirror appears on the host.
    await writeFile(join(mirrors[1]!.dir, 'fresh.txt'), 'new from g1\n');
    await eventually(async () => (await read(join(project.dir, 'fresh.txt'))) === 'new from g1\n');
    // The read-only guest's change is not sent, and its mirror gets the host's version back.
    await writeFile(join(mirrors[2]!.dir, 'README.md'), 'vandalised\n');
    await guests[2]!.waitFor('reverted');
    await eventually(async () => (await read(join(mirrors[2]!.dir, 'README.md'))) === '# demo\n');
    assert.equal(await read(join(project.dir, 'README.md')), '# demo\n');
  } finally {
    await host?.stop();
    await lobby.close();
    await project.cleanup();
    for (const m of mirrors) await m.cleanup();
  }
});

/** Edits made on both sides while the relay is down all arrive once it is back. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GuestAgent } from '../../src/guest/agent.js';
import { eventually, makeProject, startRecordedLobby } from '../e2e/harness.js';
import { admitGuest, startTestHost } from './session.js';

test('dropping the relay while two guests type loses no edit, on either side or on disk', async () => {
  const lobby = await startRecordedLobby();
  const project = await makeProject();
  await writeFile(join(project.dir, 'notes.md'), 'start\n');
  const started = await startTestHost(project.dir, lobby.proxy.url);
  const { host, events } = started;
  const guests: GuestAgent[] = [];
  try {
    for (const name of ['ann', 'ben']) guests.push(await admitGuest(started, 'edit', { name }));
    const [ann, ben] = guests.map((g) => g.collaboration.open('notes.md'));
    await Promise.all([ann!.synced, ben!.synced]);
    ann!.text.insert(ann!.text.length, 'ann-before\n');
    ben!.text.insert(0, 'ben-before\n');
    await eventually(() => ann!.text.toString() === ben!.text.toString());

    lobby.proxy.cutAll();
    // Typed while apart: neither side can see the other's edits yet.
    for (let i = 0; i < 20; i++) {
      ann!.text.insert(ann!.text.length, `a${i} `);
      ben!.text.insert(0, `b${i} `);
    }
    // And the host side changes the file on disk meanwhile, as an editor or git would.
    const onDisk = await readFile(join(project.dir, 'notes.md'), 'utf8');
    await writeFile(join(project.dir, 'notes.md'), `${onDisk}host-edit\n`);
    await eventually(
      () => events.filter((e) => e.event === 'joined' && e.readmitted).length >= 2,
      30_000,
    );
    await eventually(() => ann!.text.toString() === ben!.text.toString(), 30_000);
    const text = ann!.text.toString();
    for (let i = 0; i < 20; i++) {
      assert.ok(text.includes(`a${i} `), `ann's edit a${i} survived`);
      assert.ok(text.includes(`b${i} `), `ben's edit b${i} survived`);
    }
    for (const line of ['ann-before', 'ben-before', 'start', 'host-edit']) {
      assert.ok(text.includes(line), `${line} survived`);
    }
    await eventually(async () => (await readFile(join(project.dir, 'notes.md'), 'utf8')) === text);
  } finally {
    for (const guest of guests) guest.leave();
    await host.end();
    await lobby.close();
    await project.cleanup();
  }
});

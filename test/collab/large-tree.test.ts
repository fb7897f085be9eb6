/**
 * A shared folder of 50,000 files: while one guest's mirror is still filling, the session stays
 * live for everyone (documents, presence), and the mirror ends up with every file.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GuestAgent } from '../../src/guest/agent.js';
import type { GuestEvent } from '../../src/guest/events.js';
import { createLobbyServer } from '../../src/lobby/index.js';
import { eventually, makeProject, tempDir } from '../e2e/harness.js';
import { admitGuest, startTestHost } from './session.js';

const FOLDERS = Number(process.env.TREE_FOLDERS ?? 100);
const FILES_PER_FOLDER = 500;

/** Long enough for the whole tree to cross the relay on a slow, shared machine. */
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

test(
  'a 50,000-file tree fills a mirror without holding up edits or presence',
  { timeout: SNAPSHOT_TIMEOUT_MS + 60_000 },
  async () => {
    const lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
    const project = await makeProject();
    const mirror = await tempDir();
    const guests: GuestAgent[] = [];
    await writeFile(join(project.dir, 'shared.txt'), 'start\n');
    for (let folder = 0; folder < FOLDERS; folder++) {
      const dir = join(project.dir, 'tree', `f${folder}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(
        Array.from({ length: FILES_PER_FOLDER }, (_, file) =>
          writeFile(join(dir, `file${file}.txt`), `folder ${folder} file ${file}\n`),
        ),
      );
    }
    const started = await startTestHost(project.dir, lobby.url);
    try {
      const ed = await admitGuest(started, 'edit', { name: 'ed' });
      guests.push(ed);
      const edDoc = ed.collaboration.open('shared.txt');
      await edDoc.synced;

      const events: GuestEvent[] = [];
      const mir = await admitGuest(started, 'edit', {
        name: 'mir',
        mirrorDir: mirror.dir,
        onEvent: (event) => events.push(event),
      });
      guests.push(mir);
      const synced = (): boolean => events.some((e) => e.event === 'synced');

      // The mirror guest opens a document and sees the other guest while its snapshot streams.
      const mirDoc = mir.collaboration.open('shared.txt');
      await mirDoc.synced;
      edDoc.text.insert(0, 'typed during the snapshot\n');
      await eventually(() => mirDoc.text.toString().startsWith('typed during the snapshot\n'));
      await eventually(() => mir.collaboration.participants().some((p) => p.name === 'ed'));
      assert.equal(synced(), false, 'the edit and presence came through before the snapshot ended');

      await eventually(synced, SNAPSHOT_TIMEOUT_MS);
      const done = events.find((e) => e.event === 'synced') as { files: number };
      assert.ok(done.files >= FOLDERS * FILES_PER_FOLDER, `synced ${done.files} files`);
      for (const folder of [0, FOLDERS - 1]) {
        const names = await readdir(join(mirror.dir, 'tree', `f${folder}`));
        assert.equal(names.length, FILES_PER_FOLDER);
      }
      assert.equal(
        await readFile(join(mirror.dir, 'tree', `f${FOLDERS - 1}`, 'file7.txt'), 'utf8'),
        `folder ${FOLDERS - 1} file 7\n`,
      );
    } finally {
      for (const guest of guests) guest.leave();
      await Promise.allSettled(guests.map((guest) => guest.done));
      await started.host.end();
      await lobby.close();
      await project.cleanup();
      await mirror.cleanup();
    }
  },
);

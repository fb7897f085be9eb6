/**
 * A mirror edit merged three ways: measured from what the mirror file held, not from the
 * document as it is when the edit is read, so host edits not yet written to the file survive.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GuestAgent } from '../../src/guest/agent.js';
import { createLobbyServer } from '../../src/lobby/index.js';
import { eventually, makeProject, tempDir } from '../e2e/harness.js';
import { admitGuest, startTestHost } from './session.js';

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

test('a mirror edit made before a remote edit reached the file keeps that remote edit', async () => {
  const lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
  const project = await makeProject();
  await writeFile(join(project.dir, 'notes.txt'), 'one\ntwo\nthree\n');
  const mirrors = [await tempDir(), await tempDir()];
  const started = await startTestHost(project.dir, lobby.url);
  const { host } = started;
  const guests: GuestAgent[] = [];
  try {
    const synced = [false, false];
    for (const [i, name] of ['slow', 'quick'].entries()) {
      const guest = await admitGuest(started, 'edit', {
        name,
        mirrorDir: mirrors[i]!.dir,
        // The slow guest writes others' edits into its mirror only after a long pause, so that
        // its file stays behind its document for as long as the test needs.
        ...(i === 0 ? { mirrorWriteDebounceMs: 3_600_000 } : {}),
        onEvent: (event) => {
          if (event.event === 'synced') synced[i] = true;
        },
      });
      guests.push(guest);
      await eventually(() => synced[i]!);
    }
    const [slow] = guests as [GuestAgent, GuestAgent];
    const file = (i: number): string => join(mirrors[i]!.dir, 'notes.txt');
    const hostFile = join(project.dir, 'notes.txt');

    // The slow guest edits its mirror once, so that it follows the document from then on.
    await writeFile(file(0), 'ONE\ntwo\nthree\n');
    await eventually(async () => (await read(hostFile)) === 'ONE\ntwo\nthree\n');
    await eventually(async () => (await read(file(1))) === 'ONE\ntwo\nthree\n');

    // The quick guest changes the last line; it reaches the slow guest's document only.
    await writeFile(file(1), 'ONE\ntwo\nTHREE\n');
    await eventually(
      () => slow.collaboration.get('notes.txt')?.text.toString() === 'ONE\ntwo\nTHREE\n',
    );
    assert.equal(await read(file(0)), 'ONE\ntwo\nthree\n', 'not written to the slow mirror yet');

    // The slow guest saves an edit of the middle line over the file it has, from the old base.
    await writeFile(file(0), 'ONE\nTWO\nthree\n');
    const merged = 'ONE\nTWO\nTHREE\n';
    await eventually(async () => (await read(hostFile)) === merged);
    await eventually(async () => (await read(file(0))) === merged);
    await eventually(async () => (await read(file(1))) === merged);
    assert.equal(slow.collaboration.get('notes.txt')?.text.toString(), merged);
  } finally {
    for (const guest of guests) guest.leave();
    await host.end();
    await lobby.close();
    await project.cleanup();
    for (const mirror of mirrors) await mirror.cleanup();
  }
});

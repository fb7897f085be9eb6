/**
 * The mirror's write-back as a new user meets it: its own temporary files, a file too large to
 * send, a read-only guest's new file and a symlink. Real host and guests on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GuestAgent } from '../../src/guest/agent.js';
import type { GuestEvent } from '../../src/guest/events.js';
import { MAX_MIRROR_SEND_BYTES } from '../../src/guest/mirror-writeback.js';
import type { Role } from '../../src/protocol/messages.js';
import { createLobbyServer, type LobbyServer } from '../../src/lobby/index.js';
import { eventually, makeProject, tempDir } from '../e2e/harness.js';
import { admitGuest, startTestHost, type TestHost } from '../collab/session.js';

const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Every path below `dir`, recursively, as the names it is made of. */
const listAll = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true })).map(String);

interface Joined {
  guest: GuestAgent;
  events: GuestEvent[];
  dir: string;
}

/** A lobby, a host sharing a sample project, and a way to add mirroring guests. */
async function stage(): Promise<{
  project: Awaited<ReturnType<typeof makeProject>>;
  started: TestHost;
  join(name: string, role: Role): Promise<Joined>;
  cleanup(): Promise<void>;
}> {
  const lobby: LobbyServer = await createLobbyServer({ host: '127.0.0.1', port: 0 });
  const project = await makeProject();
  const started = await startTestHost(project.dir, lobby.url);
  const joined: Joined[] = [];
  const mirrors: Awaited<ReturnType<typeof tempDir>>[] = [];
  return {
    project,
    started,
    async join(name, role) {
      const mirror = await tempDir();
      mirrors.push(mirror);
      const events: GuestEvent[] = [];
      const guest = await admitGuest(started, role, {
        name,
        mirrorDir: mirror.dir,
        onEvent: (event) => events.push(event),
      });
      await eventually(() => events.some((e) => e.event === 'synced'));
      const entry = { guest, events, dir: mirror.dir };
      joined.push(entry);
      return entry;
    },
    async cleanup() {
      for (const { guest } of joined) guest.leave();
      await started.host.end();
      await lobby.close();
      await project.cleanup();
      for (const mirror of mirrors) await mirror.cleanup();
    },
  };
}

const mentionsTemp = (event: GuestEvent): boolean => JSON.stringify(event).includes('.tandem-');

test('the mirror’s own temporary files are never sent to the host, put back or named', async () => {
  const { project, join: joinAs, cleanup } = await stage();
  try {
    const editor = await joinAs('ed', 'edit');
    const reader = await joinAs('ro', 'read-only');
    // A temporary file as the mirror leaves one while a large download is under way.
    const temp = '.tandem-0123456789abcdef.tmp';
    for (const { dir } of [editor, reader]) {
      await writeFile(join(dir, temp), 'a partial copy');
      await writeFile(join(dir, 'src', temp), 'another partial copy');
    }
    await writeFile(join(editor.dir, 'after.txt'), 'sent after the temporary files\n');
    await eventually(async () => (await read(join(project.dir, 'after.txt'))) !== '');
    await pause(500);
    assert.deepEqual(
      (await listAll(project.dir)).filter((path) => path.includes('.tandem-')),
      [],
      'no temporary file reached the host',
    );
    assert.deepEqual(editor.events.filter(mentionsTemp), []);
    assert.deepEqual(reader.events.filter(mentionsTemp), []);

    // Several large files downloading at once, while the write-back watches.
    const big = 16 * 1024 * 1024;
    for (const name of ['one.bin', 'two.bin', 'three.bin']) {
      await writeFile(join(project.dir, name), randomBytes(big));
    }
    for (const name of ['one.bin', 'two.bin', 'three.bin']) {
      await eventually(async () => {
        const local = await readFile(join(editor.dir, name)).catch(() => Buffer.alloc(0));
        return local.length === big;
      }, 60_000);
    }
    await pause(500);
    assert.deepEqual(
      (await listAll(project.dir)).filter((path) => path.includes('.tandem-')),
      [],
    );
    assert.deepEqual(
      editor.events.filter((e) => e.event === 'sent' && e.path !== 'after.txt'),
      [],
      'the downloads were not sent back',
    );
    assert.deepEqual([...editor.events, ...reader.events].filter(mentionsTemp), []);
  } finally {
    await cleanup();
  }
});

test('an edit to a file too large to send stays in the mirror, and the guest is told why', async () => {
  const { project, join: joinAs, cleanup } = await stage();
  try {
    const line = 'a line of a large text file\n';
    const text = line.repeat(Math.ceil((MAX_MIRROR_SEND_BYTES + 1024) / line.length));
    await writeFile(join(project.dir, 'hugetext.txt'), text);
    const editor = await joinAs('ed', 'edit');
    const local = join(editor.dir, 'hugetext.txt');
    await eventually(async () => (await read(local)).length === text.length);

    await appendFile(local, 'x\n');
    await eventually(() =>
      editor.events.some(
        (e) =>
          e.event === 'skipped' &&
          e.path === 'hugetext.txt' &&
          e.reason.includes('MAX_MIRROR_SEND_BYTES'),
      ),
    );
    await pause(1000);
    assert.equal(await read(local), `${text}x\n`, 'the local edit is kept');
    assert.equal(await read(join(project.dir, 'hugetext.txt')), text);
    assert.deepEqual(
      editor.events.filter((e) => e.event === 'reverted'),
      [],
      'nothing was put back',
    );
  } finally {
    await cleanup();
  }
});

test('a read-only guest’s new file is moved to the backups, and the message says so', async () => {
  const { project, join: joinAs, cleanup } = await stage();
  try {
    const reader = await joinAs('bob', 'read-only');
    await writeFile(join(reader.dir, 'bobnew.txt'), 'bob’s work\n');
    await eventually(() => reader.events.some((e) => e.event === 'skipped'));
    const event = reader.events.find((e) => e.event === 'skipped') as {
      path: string;
      reason: string;
    };
    assert.equal(event.path, 'bobnew.txt');
    assert.match(event.reason, /read-only, so this new file was not sent/);
    assert.doesNotMatch(event.reason, /host’s version is back/);
    const backup = /saved as (.+)$/.exec(event.reason)?.[1];
    assert.ok(backup, event.reason);
    assert.equal(await read(backup), 'bob’s work\n');
    assert.ok(!(await readdir(reader.dir)).includes('bobnew.txt'));
    assert.equal(await read(join(project.dir, 'bobnew.txt')), '');

    // A change to a file the host has is put back, and the change is kept aside too.
    await writeFile(join(reader.dir, 'README.md'), 'vandalised\n');
    await eventually(() => reader.events.some((e) => e.event === 'reverted'));
    await eventually(async () => (await read(join(reader.dir, 'README.md'))) === '# demo\n');
    const reverted = reader.events.find((e) => e.event === 'reverted') as { message: string };
    const kept = /saved as (.+)$/.exec(reverted.message)?.[1];
    assert.ok(kept, reverted.message);
    assert.equal(await read(kept), 'vandalised\n');
  } finally {
    await cleanup();
  }
});

test('a symlink made in a mirror is not sent, and the guest is told so once', async () => {
  const { project, join: joinAs, cleanup } = await stage();
  try {
    const editor = await joinAs('ed', 'edit');
    await symlink('README.md', join(editor.dir, 'link.md'));
    await eventually(() =>
      editor.events.some(
        (e) =>
          e.event === 'skipped' && e.path === 'link.md' && /Symlinks are not synced/.test(e.reason),
      ),
    );
    await writeFile(join(editor.dir, 'after.txt'), 'after\n');
    await eventually(async () => (await read(join(project.dir, 'after.txt'))) === 'after\n');
    assert.ok(!(await readdir(project.dir)).includes('link.md'));
    assert.equal(editor.events.filter((e) => e.event === 'skipped').length, 1);
  } finally {
    await cleanup();
  }
});

/**
 * Co-editing through a real lobby and relay, in process: one host and two guests on
 * 127.0.0.1, documents synced with y-protocols, roles enforced by the host.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeAwarenessStates } from 'y-protocols/awareness';
import { after, before, describe, test } from 'node:test';
import type { GuestAgent } from '../../src/guest/agent.js';
import type { HostAgent } from '../../src/host/agent.js';
import type { HostEvent } from '../../src/host/events.js';
import { createLobbyServer, type LobbyServer } from '../../src/lobby/index.js';
import type { Role } from '../../src/protocol/messages.js';
import { eventually, makeProject } from '../e2e/harness.js';
import { admitGuest, startTestHost } from './session.js';

/** A small seeded generator, so a failing script can be replayed from the printed seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('co-editing', () => {
  let lobby: LobbyServer;
  let project: Awaited<ReturnType<typeof makeProject>>;
  let host: HostAgent;
  let events: HostEvent[] = [];
  const guests: GuestAgent[] = [];

  async function admit(name: string, role: Role): Promise<GuestAgent> {
    const guest = await admitGuest({ host, events }, role, { name });
    guests.push(guest);
    return guest;
  }

  before(async () => {
    lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
    project = await makeProject();
    await writeFile(join(project.dir, 'shared.txt'), 'line one\r\nline two\r\n');
    const started = await startTestHost(project.dir, lobby.url);
    host = started.host;
    events = started.events;
  });

  after(async () => {
    for (const guest of guests) guest.leave();
    await host.end();
    await lobby.close();
    await project.cleanup();
  });

  test('three participants typing at once converge, and the host disk keeps CRLF', async () => {
    const ann = await admit('ann', 'edit');
    const ben = await admit('ben', 'edit');
    const docs = [ann, ben].map((g) => g.collaboration.open('shared.txt'));
    await Promise.all(docs.map((d) => d.synced));
    assert.equal(docs[0]!.text.toString(), 'line one\nline two\n');
    const seed = Date.now() % 100000;
    const rand = random(seed);
    const pieces = ['a', 'é', 'e\u0301', '😀', '\n', 'xyz', ' '];
    for (let step = 0; step < 150; step++) {
      const text = docs[Math.floor(rand() * docs.length)]!.text;
      const length = text.length;
      if (rand() < 0.7 || length === 0) {
        text.insert(Math.floor(rand() * (length + 1)), pieces[Math.floor(rand() * pieces.length)]!);
      } else {
        // Delete whole characters only: Y.Text indexes are UTF-16 code units.
        const at = Math.floor(rand() * length);
        const code = text.toString().charCodeAt(at);
        if (code >= 0xdc00 && code <= 0xdfff) continue;
        const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
        text.delete(at, Math.min(width, length - at));
      }
      if (step % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // The host's own disk changes during the edits are merged too.
    try {
      await eventually(() => docs[0]!.text.toString() === docs[1]!.text.toString());
      const expected = docs[0]!.text.toString();
      await eventually(
        async () =>
          (await readFile(join(project.dir, 'shared.txt'), 'utf8')) ===
          expected.replace(/\n/g, '\r\n'),
      );
    } catch (error) {
      throw new Error(`convergence failed with seed ${seed}`, { cause: error });
    }
  });

  test('a read-only guest cannot change a document or a file, and the host disk is untouched', async () => {
    const rita = await admit('rita', 'read-only');
    const before = await readFile(join(project.dir, 'README.md'));
    const beforeStat = await stat(join(project.dir, 'README.md'));
    const doc = rita.collaboration.open('README.md');
    await doc.synced;
    // A modified guest that ignores its role and sends the update anyway: the host refuses it.
    rita.collaboration.role = 'edit';
    doc.text.insert(0, 'vandal ');
    await assert.rejects(
      rita.collaboration.fileOp('write', 'README.md', { content: Buffer.from('x') }),
      /read-only/,
    );
    await assert.rejects(
      rita.collaboration.fileOp('create', 'new.txt', { content: Buffer.from('x') }),
      /read-only/,
    );
    await assert.rejects(rita.collaboration.fileOp('delete', 'README.md'), /read-only/);
    await assert.rejects(
      rita.collaboration.fileOp('rename', 'README.md', { to: 'x.md' }),
      /read-only/,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await readFile(join(project.dir, 'README.md')), before);
    assert.equal((await stat(join(project.dir, 'README.md'))).mtimeMs, beforeStat.mtimeMs);
    await assert.rejects(stat(join(project.dir, 'new.txt')));
  });

  test('an edit guest creates, renames and deletes files; escapes and ignore files are refused', async () => {
    const eve = await admit('eve', 'edit');
    await eve.collaboration
      .fileOp('create', 'notes/todo.md', { content: Buffer.from('- [ ] x\n') })
      .catch(async () => {
        await eve.collaboration.fileOp('mkdir', 'notes');
        await eve.collaboration.fileOp('create', 'notes/todo.md', {
          content: Buffer.from('- [ ] x\n'),
        });
      });
    assert.equal(await readFile(join(project.dir, 'notes', 'todo.md'), 'utf8'), '- [ ] x\n');
    await eve.collaboration.fileOp('rename', 'notes/todo.md', { to: 'notes/done.md' });
    await eve.collaboration.fileOp('delete', 'notes/done.md');
    await assert.rejects(stat(join(project.dir, 'notes', 'done.md')));
    for (const path of [
      '../escape.txt',
      '.gitignore',
      '.env',
      'link-out.txt',
      'dir-out/x.txt',
      '.git/config',
    ]) {
      await assert.rejects(
        eve.collaboration.fileOp('write', path, { content: Buffer.from('x') }),
        Error,
        path,
      );
    }
    assert.equal(await readFile(join(project.dir, '.gitignore'), 'utf8'), 'build/\n*.log\n');
    assert.equal(await readFile(join(project.outside, 'passwords.txt'), 'utf8'), 'outside secret');
  });

  test('presence shows each participant and drops one that leaves', async () => {
    const pia = await admit('pia', 'read-only');
    const quinn = await admit('quinn', 'read-only');
    pia.collaboration.awareness.setLocalStateField('file', 'README.md');
    const names = (): string[] =>
      [...quinn.collaboration.awareness.getStates().values()].map(
        (s) => (s as { user?: { name?: string } }).user?.name ?? '',
      );
    await eventually(() => names().includes('pia') && names().includes('host'));
    // Quinn follows pia: it sees pia's file now and when pia moves on.
    const piaNow = () => quinn.collaboration.participants().find((p) => p.name === 'pia');
    await eventually(() => piaNow()?.file === 'README.md');
    const pias = piaNow()!;
    const seen: (string | null | undefined)[] = [];
    const stop = quinn.collaboration.follow(pias.clientId, (p) => seen.push(p?.file));
    pia.collaboration.awareness.setLocalStateField('file', 'src/nested/util.py');
    await eventually(() => seen.includes('src/nested/util.py'));
    assert.equal(seen[0], 'README.md');
    pia.leave();
    await eventually(() => !names().includes('pia'));
    await eventually(() => seen.at(-1) === undefined);
    stop();
  });

  test("a guest's view of others timing out stays local and costs it nothing", async () => {
    const guestEvents: string[] = [];
    const rue = await admitGuest({ host, events }, 'read-only', {
      name: 'rue',
      onEvent: (event) => guestEvents.push(event.event),
    });
    guests.push(rue);
    const sol = await admit('sol', 'read-only');
    const awareness = rue.collaboration.awareness;
    await eventually(() => rue.collaboration.participants().some((p) => p.name === 'sol'));
    // As after a long snapshot of tiny files held everything else back: rue's awareness drops
    // the others as outdated. That is rue's own view, not something to tell the host.
    const others = [...awareness.getStates().keys()].filter((id) => id !== awareness.clientID);
    removeAwarenessStates(awareness, others, 'timeout');
    awareness.setLocalStateField('file', 'README.md');
    await eventually(() =>
      sol.collaboration.participants().some((p) => p.name === 'rue' && p.file === 'README.md'),
    );
    assert.equal(rue.role, 'read-only');
    assert.ok(!guestEvents.includes('reconnecting'), `rue's events: ${guestEvents.join(', ')}`);
  });
});

/**
 * Documents that move under a guest: renamed or deleted on the host's disk, or renamed by a
 * guest with the edit role, while a guest holds them open. The guest is told, and its text stays.
 */
import assert from 'node:assert/strict';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { joinSession, type GuestAgent } from '../../src/guest/agent.js';
import type { GuestEvent } from '../../src/guest/events.js';
import { startHost, type HostAgent } from '../../src/host/agent.js';
import type { HostEvent } from '../../src/host/events.js';
import { createLobbyServer, type LobbyServer } from '../../src/lobby/index.js';
import type { Role } from '../../src/protocol/messages.js';
import { eventually, makeProject } from '../e2e/harness.js';

describe('open documents that move', () => {
  let lobby: LobbyServer;
  let project: Awaited<ReturnType<typeof makeProject>>;
  let host: HostAgent;
  const hostEvents: HostEvent[] = [];
  const guests: GuestAgent[] = [];

  async function admit(
    name: string,
    role: Role,
  ): Promise<{ agent: GuestAgent; events: GuestEvent[] }> {
    const events: GuestEvent[] = [];
    const agent = await joinSession({
      link: host.link,
      name,
      relayOnly: true,
      onEvent: (event) => events.push(event),
    });
    await eventually(() => host.guests().waiting.some((g) => g.name === name));
    host.approve(host.guests().waiting.find((g) => g.name === name)!.id, role);
    await eventually(() => agent.role === role);
    guests.push(agent);
    return { agent, events };
  }

  before(async () => {
    lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
    project = await makeProject();
    await writeFile(join(project.dir, 'moving.txt'), 'first line\n');
    await writeFile(join(project.dir, 'doomed.txt'), 'doomed\n');
    await writeFile(join(project.dir, 'handled.txt'), 'handled\n');
    host = await startHost({
      dir: project.dir,
      lobbyUrl: lobby.url,
      name: 'host',
      relayOnly: true,
      autosaveDebounceMs: 50,
      onEvent: (event) => hostEvents.push(event),
    });
  });

  after(async () => {
    for (const guest of guests) guest.leave();
    await host.end();
    await lobby.close();
    await project.cleanup();
  });

  test('a guest whose open file is renamed on the host is told, keeps its text, and can save it anew', async () => {
    const { agent, events } = await admit('olga', 'edit');
    const document = agent.collaboration.open('moving.txt');
    await document.synced;
    document.text.insert(document.text.length, 'second line\n');
    await eventually(
      async () =>
        (await readFile(join(project.dir, 'moving.txt'), 'utf8')) === 'first line\nsecond line\n',
    );
    await rename(join(project.dir, 'moving.txt'), join(project.dir, 'moved.txt'));
    await eventually(() => events.some((e) => e.event === 'doc-gone' && e.path === 'moving.txt'));
    assert.ok(document.gone, 'the document is marked gone');
    // Typed after the rename: this edit reached no file, and must not be dropped.
    document.text.insert(document.text.length, 'third line\n');
    assert.equal(document.text.toString(), 'first line\nsecond line\nthird line\n');
    await agent.collaboration.fileOp('create', 'moving-copy.txt', {
      content: new TextEncoder().encode(document.text.toString()),
    });
    assert.equal(
      await readFile(join(project.dir, 'moving-copy.txt'), 'utf8'),
      'first line\nsecond line\nthird line\n',
    );
    assert.equal(
      await readFile(join(project.dir, 'moved.txt'), 'utf8'),
      'first line\nsecond line\n',
    );
    // The tree the guest knows follows the rename.
    await eventually(() => agent.tree.list('').some((e) => e.name === 'moved.txt'));
    assert.ok(!agent.tree.list('').some((e) => e.name === 'moving.txt'));
  });

  test('a guest whose open file is deleted on the host is told and keeps its text', async () => {
    const { agent, events } = await admit('dora', 'read-only');
    const document = agent.collaboration.open('doomed.txt');
    await document.synced;
    await rm(join(project.dir, 'doomed.txt'));
    await eventually(() => events.some((e) => e.event === 'doc-gone' && e.path === 'doomed.txt'));
    const gone = events.find((e) => e.event === 'doc-gone') as { reason: string };
    assert.equal(gone.reason, 'deleted');
    assert.equal(document.text.toString(), 'doomed\n');
  });

  test('an edit-role guest renaming a file it has open is told the old path is gone', async () => {
    const { agent, events } = await admit('rene', 'edit');
    const document = agent.collaboration.open('handled.txt');
    await document.synced;
    await agent.collaboration.fileOp('rename', 'handled.txt', { to: 'renamed-by-guest.txt' });
    await eventually(() => events.some((e) => e.event === 'doc-gone' && e.path === 'handled.txt'));
    assert.equal(await readFile(join(project.dir, 'renamed-by-guest.txt'), 'utf8'), 'handled\n');
    const reopened = agent.collaboration.open('renamed-by-guest.txt');
    await reopened.synced;
    assert.equal(reopened.text.toString(), 'handled\n');
  });

  test('opening a file that does not exist is refused and the guest stays connected', async () => {
    const { agent, events } = await admit('nemo', 'edit');
    const before = hostEvents.filter((e) => e.event === 'left').length;
    agent.collaboration.open('ghost.ts');
    await eventually(() =>
      events.some(
        (e) => e.event === 'refused' && e.path === 'ghost.ts' && /not exist/.test(e.message),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(hostEvents.filter((e) => e.event === 'left').length, before, 'nobody was cut off');
    assert.ok(!events.some((e) => e.event === 'reconnecting'));
    agent.collaboration.close('ghost.ts');
  });

  test('a deleted file held open is opened afresh once it is created again', async () => {
    const { agent: holder, events } = await admit('hold', 'edit');
    const { agent: later } = await admit('late', 'edit');
    await writeFile(join(project.dir, 'phoenix.txt'), 'old life\n');
    await eventually(() => holder.tree.list('').some((e) => e.name === 'phoenix.txt'));
    const held = holder.collaboration.open('phoenix.txt');
    await held.synced;
    await rm(join(project.dir, 'phoenix.txt'));
    await eventually(() => events.some((e) => e.event === 'doc-gone' && e.path === 'phoenix.txt'));
    await writeFile(join(project.dir, 'phoenix.txt'), 'new life\n');
    await eventually(() => later.tree.list('').some((e) => e.name === 'phoenix.txt'));
    const fresh = later.collaboration.open('phoenix.txt');
    await fresh.synced;
    assert.equal(fresh.text.toString(), 'new life\n');
    fresh.text.insert(0, '>> ');
    await eventually(
      async () => (await readFile(join(project.dir, 'phoenix.txt'), 'utf8')) === '>> new life\n',
    );
    // The holder still has its old text, and opening again gives it the new file.
    assert.equal(held.text.toString(), 'old life\n');
    const reopened = holder.collaboration.open('phoenix.txt');
    await reopened.synced;
    assert.equal(reopened.text.toString(), '>> new life\n');
  });

  test('edits that crossed a role change do not hold back later ones once editing is allowed again', async () => {
    const { agent, events } = await admit('rolf', 'edit');
    await writeFile(join(project.dir, 'flip.txt'), 'base\n');
    await eventually(() => agent.tree.list('').some((e) => e.name === 'flip.txt'));
    const document = agent.collaboration.open('flip.txt');
    await document.synced;
    const id = host.guests().admitted.find((g) => g.name === 'rolf')!.id;
    host.setRole(id, 'read-only');
    // Typed in the same instant: the guest does not know yet, the host refuses it.
    document.text.insert(document.text.length, 'racing\n');
    await eventually(() => events.some((e) => e.event === 'refused' && e.path === 'flip.txt'));
    await eventually(() => agent.role === 'read-only');
    host.setRole(id, 'edit');
    await eventually(() => agent.role === 'edit');
    document.text.insert(document.text.length, 'after\n');
    await eventually(async () =>
      (await readFile(join(project.dir, 'flip.txt'), 'utf8')).endsWith('after\n'),
    );
  });

  test('the host streams presence changes and summons everyone to follow', async () => {
    const { agent, events } = await admit('sami', 'edit');
    agent.collaboration.setPresence('README.md', null);
    await eventually(() =>
      hostEvents.some(
        (e) =>
          e.event === 'presence' &&
          e.participants.some(
            (p) => p.name === 'sami' && p.file === 'README.md' && p.role === 'edit',
          ),
      ),
    );
    host.summon();
    await eventually(() => events.some((e) => e.event === 'summoned'));
    const summoned = events.find((e) => e.event === 'summoned') as {
      clientId: number;
      name: string;
    };
    assert.equal(summoned.name, 'host');
    assert.equal(summoned.clientId, host.local.clientId);
    assert.ok(hostEvents.some((e) => e.event === 'summon'));
  });
});

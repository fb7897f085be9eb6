/**
 * The agents' UI server, without a browser: a real host and guest through a real lobby and
 * relay on 127.0.0.1, their pages stood in for by WebSocket clients that speak the page protocol.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { joinSession, type GuestAgent } from '../../src/guest/agent.js';
import { startHost, type HostAgent } from '../../src/host/agent.js';
import { createLobbyServer, type LobbyServer } from '../../src/lobby/index.js';
import { GuestBackend } from '../../src/ui/guest-backend.js';
import { HostBackend } from '../../src/ui/host-backend.js';
import { startUiServer, type UiServer } from '../../src/ui/server.js';
import { eventually, makeProject, tempDir, SECRET_NAME } from '../e2e/harness.js';
import { PageClient, socketUrl } from './page-client.js';

/** GET with any headers (fetch may not set Host), answering status and body. */
function get(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Tries a WebSocket upgrade and answers whether it opened. */
function upgrades(url: string, headers: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the UI server', () => {
  let lobby: LobbyServer;
  let project: Awaited<ReturnType<typeof makeProject>>;
  let assets: Awaited<ReturnType<typeof tempDir>>;
  let host: HostAgent;
  let hostBackend: HostBackend;
  let hostUi: UiServer;
  const guests: { agent: GuestAgent; ui: UiServer }[] = [];
  const pages: PageClient[] = [];

  async function page(url: string): Promise<PageClient> {
    const client = await PageClient.connect(url);
    pages.push(client);
    return client;
  }

  async function joinWithUi(name: string, role: 'read-only' | 'edit'): Promise<UiServer> {
    const backend = new GuestBackend({ name });
    const ui = await startUiServer({ backend, assetsDir: assets.dir });
    const agent = await joinSession({
      link: host.link,
      name,
      relayOnly: true,
      onEvent: (event) => backend.onEvent(event),
    });
    backend.attach(agent);
    guests.push({ agent, ui });
    const request = await eventually(() => host.guests().waiting.some((g) => g.name === name)).then(
      () => host.guests().waiting.find((g) => g.name === name)!,
    );
    host.approve(request.id, role);
    await eventually(() => agent.role === role);
    return ui;
  }

  before(async () => {
    assets = await tempDir('tandem-ui-assets-');
    await mkdir(assets.dir, { recursive: true });
    await writeFile(join(assets.dir, 'index.html'), '<!doctype html><title>Tandem</title>');
    await writeFile(join(assets.dir, 'app.js'), 'window.tandemReady = true;');
    await writeFile(join(assets.dir, 'app.css'), 'body {}');
    lobby = await createLobbyServer({ host: '127.0.0.1', port: 0 });
    project = await makeProject();
    await writeFile(join(project.dir, 'notes.md'), 'hello\n');
    host = await startHost({
      dir: project.dir,
      lobbyUrl: lobby.url,
      name: 'hana',
      relayOnly: true,
      autosaveDebounceMs: 50,
      onEvent: (event) => hostBackend?.onEvent(event),
    });
    hostBackend = new HostBackend(host, { name: 'hana' });
    hostUi = await startUiServer({ backend: hostBackend, assetsDir: assets.dir });
  });

  after(async () => {
    for (const client of pages) client.close();
    for (const guest of guests) {
      guest.agent.leave();
      await guest.ui.close();
    }
    await hostUi.close();
    await host.end();
    await lobby.close();
    await project.cleanup();
    await assets.cleanup();
  });

  test('refuses requests without the token, with a wrong one, or from a foreign Host or Origin', async () => {
    const base = `http://127.0.0.1:${hostUi.port}`;
    const own = { host: `127.0.0.1:${hostUi.port}` };
    assert.match(hostUi.url, /^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/$/);
    assert.equal((await get(`${base}/`, own)).status, 401);
    assert.equal((await get(`${base}/app.js`, own)).status, 403);
    assert.equal((await get(`${base}/${'x'.repeat(32)}/`, own)).status, 403);
    const page = await get(hostUi.url, own);
    assert.equal(page.status, 200);
    assert.equal(
      page.headers['set-cookie'],
      undefined,
      'no cookie: other local ports would get it',
    );
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.equal((await get(`${hostUi.url}app.js`, own)).status, 200);
    assert.equal((await get(hostUi.url.slice(0, -1), own)).status, 308);
    // DNS rebinding: the right token, but the browser thinks it talks to another site.
    assert.equal((await get(hostUi.url, { host: `evil.example:${hostUi.port}` })).status, 403);
    assert.equal((await get(hostUi.url, { ...own, origin: 'http://evil.example' })).status, 403);
  });

  test('opens the page socket only below the token and from the UI own Origin', async () => {
    const ws = socketUrl(hostUi.url);
    const origin = `http://127.0.0.1:${hostUi.port}`;
    assert.equal(await upgrades(`ws://127.0.0.1:${hostUi.port}/ws`, { origin }), false);
    assert.equal(await upgrades(ws.replace(/\/[\w-]+\/ws$/, '/wrong/ws'), { origin }), false);
    assert.equal(await upgrades(ws, {}), false, 'no Origin');
    assert.equal(await upgrades(ws, { origin: 'http://evil.example' }), false);
    // Another server on this machine is the same site, but not the same origin.
    assert.equal(await upgrades(ws, { origin: 'http://127.0.0.1:1' }), false);
    assert.equal(await upgrades(ws, { origin }), true);
  });

  test("the host's page lists the shared tree without secrets or ignored files", async () => {
    const client = await page(hostUi.url);
    const state = await client.next('state');
    assert.equal(state.state.kind, 'host');
    assert.equal(state.state.link, host.link);
    client.send({ t: 'list', path: '' });
    const root = await client.next('listing', (m) => m.path === '');
    const names = root.entries.map((e) => e.name);
    assert.ok(names.includes('src') && names.includes('notes.md'), names.join(','));
    for (const hidden of ['.env', 'id_rsa', '.git', 'build', 'debug.log', 'link-out.txt']) {
      assert.ok(!names.includes(hidden), `${hidden} must not be listed`);
    }
    client.send({ t: 'list', path: 'src' });
    const src = await client.next('listing', (m) => m.path === 'src');
    assert.ok(src.entries.some((e) => e.name === `${SECRET_NAME}.ts`));
    client.send({ t: 'list', path: '../' });
    await client.next('notice', (m) => m.level === 'error');
  });

  test('edits on the host page reach the disk and a guest page, and back', async () => {
    const guestUi = await joinWithUi('gia', 'edit');
    const hostPage = await page(hostUi.url);
    const guestPage = await page(guestUi.url);
    const hostText = await hostPage.open('notes.md');
    const guestText = await guestPage.open('notes.md');
    await eventually(() => hostText.toString() === 'hello\n' && guestText.toString() === 'hello\n');
    hostText.insert(0, 'host: ');
    await eventually(() => guestText.toString() === 'host: hello\n');
    guestText.insert(guestText.length, 'guest line\n');
    await eventually(() => hostText.toString() === 'host: hello\nguest line\n');
    await eventually(
      async () =>
        (await readFile(join(project.dir, 'notes.md'), 'utf8')) === 'host: hello\nguest line\n',
    );
    // The guest's page lists the tree as the host announced it.
    guestPage.send({ t: 'list', path: '' });
    const listing = await guestPage.next('listing', (m) => m.path === '');
    assert.ok(listing.entries.some((e) => e.name === 'notes.md'));
    assert.ok(!listing.entries.some((e) => e.name === '.env'));
  });

  test("a read-only guest's page cannot change a document or a file", async () => {
    const readerUi = await joinWithUi('rex', 'read-only');
    const reader = await page(readerUi.url);
    const state = await reader.next('state', (m) => m.state.role === 'read-only');
    assert.equal(state.state.connection, 'connected');
    const text = await reader.open('README.md');
    const opened = await reader.next('opened', (m) => m.path === 'README.md');
    assert.equal(opened.editable, false);
    await eventually(() => text.toString() === '# demo\n');
    text.insert(0, 'vandal ');
    await reader.next('doc-reset', (m) => m.path === 'README.md');
    reader.send({ t: 'op', ref: 7, op: 'create', path: 'new.txt', content: 'x' });
    const result = await reader.next('op-result', (m) => m.ref === 7);
    assert.equal(result.ok, false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await readFile(join(project.dir, 'README.md'), 'utf8'), '# demo\n');
    await assert.rejects(readFile(join(project.dir, 'new.txt')));
  });

  test('a page that typed across a role change is told to start over, then edits again', async () => {
    const ui = await joinWithUi('flip', 'read-only');
    const agent = guests.at(-1)!.agent;
    const client = await page(ui.url);
    const text = await client.open('notes.md');
    await eventually(() => text.toString().length > 0);
    // Typed while read-only (the page had not caught up): refused, and the page must reset.
    text.insert(0, 'lost ');
    const reset = await client.next('doc-reset', (m) => m.path === 'notes.md');
    assert.match(reset.reason, /role/);
    const id = host.guests().admitted.find((g) => g.name === 'flip')!.id;
    host.setRole(id, 'edit');
    await eventually(() => agent.role === 'edit');
    await client.next('state', (m) => m.state.role === 'edit');
    // The page starts over with a fresh copy, as the real page does on doc-reset.
    client.docs.delete('notes.md');
    const fresh = await client.open('notes.md');
    await eventually(() => fresh.toString().length > 0 && !fresh.toString().startsWith('lost'));
    fresh.insert(0, 'kept ');
    await eventually(async () =>
      (await readFile(join(project.dir, 'notes.md'), 'utf8')).startsWith('kept '),
    );
  });

  test('a page cursor too large to share is refused without cutting the guest off', async () => {
    const ui = await joinWithUi('cursory', 'edit');
    const agent = guests.at(-1)!.agent;
    const client = await page(ui.url);
    await client.next('state');
    client.send({
      t: 'presence',
      file: 'notes.md',
      cursor: { anchor: 'x'.repeat(100_000), head: null },
    });
    await client.next('notice', (m) => /cursor/.test(m.message));
    client.send({ t: 'presence', file: 'notes.md', cursor: null });
    await eventually(() =>
      hostBackend.participants().some((p) => p.name === 'cursory' && p.file === 'notes.md'),
    );
    assert.equal(agent.role, 'edit');
  });

  test('presence carries names, files, roles and the host summons', async () => {
    const guestUi = await joinWithUi('pia', 'edit');
    const guestPage = await page(guestUi.url);
    const hostPage = await page(hostUi.url);
    guestPage.send({ t: 'presence', file: 'notes.md', cursor: null });
    const seen = await hostPage.next('presence', (m) =>
      m.participants.some((p) => p.name === 'pia' && p.file === 'notes.md'),
    );
    const pia = seen.participants.find((p) => p.name === 'pia')!;
    assert.equal(pia.role, 'edit');
    const hostSeen = await guestPage.next('presence', (m) =>
      m.participants.some((p) => p.role === 'host'),
    );
    const hostEntry = hostSeen.participants.find((p) => p.role === 'host')!;
    assert.equal(hostEntry.name, 'hana');
    hostPage.send({ t: 'summon' });
    const summoned = await guestPage.next('summoned');
    assert.equal(summoned.clientId, hostEntry.clientId);
  });

  test('a file op from the host page creates the file, and the guest tree follows', async () => {
    const hostPage = await page(hostUi.url);
    hostPage.send({
      t: 'op',
      ref: 1,
      op: 'create',
      path: 'made-in-ui.ts',
      content: 'let a = 1;\n',
    });
    const result = await hostPage.next('op-result', (m) => m.ref === 1);
    assert.equal(result.ok, true, result.message);
    assert.equal(await readFile(join(project.dir, 'made-in-ui.ts'), 'utf8'), 'let a = 1;\n');
    await hostPage.next('tree-changed', (m) => m.paths.includes(''));
    const guestPage = await page(guests[0]!.ui.url);
    await eventually(async () => {
      guestPage.send({ t: 'list', path: '' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const listing = guestPage.messages.findLast((m) => m.t === 'listing');
      return listing?.t === 'listing' && listing.entries.some((e) => e.name === 'made-in-ui.ts');
    });
  });

  test('a malformed message from the page gets a notice and the page keeps working', async () => {
    const client = await page(hostUi.url);
    await client.next('state');
    (client as unknown as { send(m: unknown): void }).send({ t: 'approve', id: 42 });
    await client.next('notice', (m) => /does not understand/.test(m.message));
    client.send({ t: 'list', path: '' });
    await client.next('listing');
  });
});

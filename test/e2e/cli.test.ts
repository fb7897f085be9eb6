/** The `tandem` command as a user and a script see it: real processes, real folders. */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CliProcess,
  makeProject,
  runCli,
  SECRET_CONTENT,
  SECRET_NAME,
  tempDir,
  eventually,
  startHostCli,
  useStage,
} from './harness.js';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

test('every command has --help, and it exits 0', async () => {
  for (const args of [['--help'], ['host', '--help'], ['join', '--help'], ['lobby', '--help']]) {
    const result = await runCli(args);
    assert.equal(result.code, 0, args.join(' '));
    assert.match(result.stdout, /Usage: tandem/);
  }
});

test('a malformed link or a bad option exits 2 with a message saying what to do', async () => {
  const bad = await runCli(['join', 'http://127.0.0.1:9/j/abc']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /session id|link/);
  const cut = await runCli(['join', 'http://127.0.0.1:9/j/AAAAAAAAAAAAAAAAAAAAAA']);
  assert.equal(cut.code, 2);
  assert.match(cut.stderr, /fingerprint/);
  const role = await runCli(['host', '.', '--role', 'admin']);
  assert.equal(role.code, 2);
  assert.match(role.stderr, /read-only/);
});

test('a missing folder, a taken port or a foreign address exits 2 before any link is made', async () => {
  const missing = await runCli(['host', '/nonexistent/tandem-folder', '--listen', '127.0.0.1']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such folder/);
  assert.doesNotMatch(missing.stdout, /listening|Join link/);

  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = String((taken.address() as AddressInfo).port);
  try {
    const project = await makeProject();
    try {
      const ui = await runCli(['host', project.dir, '--listen', '127.0.0.1', '--ui-port', port]);
      assert.equal(ui.code, 2);
      assert.match(ui.stderr, /editor is taken; choose another with --ui-port/);
      assert.doesNotMatch(ui.stdout, /Join link|ended/);
    } finally {
      await project.cleanup();
    }
    const lobby = await runCli(['lobby', '--host', '127.0.0.1', '--port', port]);
    assert.equal(lobby.code, 2);
    assert.match(lobby.stderr, /already in use .*--port/);
    assert.doesNotMatch(lobby.stderr, /EADDRINUSE/);
  } finally {
    taken.close();
  }
  const foreign = await runCli(['lobby', '--host', '192.0.2.1', '--port', '0']);
  assert.equal(foreign.code, 2);
  assert.match(foreign.stderr, /not an address of this machine/);
});

test('a host whose output reader goes away keeps running and ends cleanly', async () => {
  const project = await makeProject();
  const host = new CliProcess([
    'host',
    project.dir,
    '--listen',
    '127.0.0.1',
    '--port',
    '0',
    '--json',
    '--no-ui',
  ]);
  try {
    await host.waitFor('link');
    // As `| head -1` does: the reader closes its end of the pipe.
    host.child.stdout!.destroy();
    host.send('guests');
    host.send('end');
    assert.equal(await host.exited, 0);
    assert.doesNotMatch(host.stderr, /EPIPE|at /);
  } finally {
    await host.stop();
    await project.cleanup();
  }
});

test('an unreachable lobby exits 6 and names the address', async () => {
  const result = await runCli([
    'join',
    `http://127.0.0.1:9/j/${'A'.repeat(22)}#${'B'.repeat(43)}`,
    '--json',
  ]);
  assert.equal(result.code, 6);
  assert.match(result.stderr, /Cannot reach the lobby at http:\/\/127\.0\.0\.1:9/);
  assert.deepEqual(result.events.at(-1)?.event, 'error');
});

test('tandem lobby serves health and a join page that tells a visitor what to run', async () => {
  const lobby = new CliProcess(['lobby', '--host', '127.0.0.1', '--port', '0', '--json']);
  try {
    const { url } = (await lobby.waitFor('listening')) as unknown as { url: string };
    assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
    const page = await fetch(`${url}/j/${'A'.repeat(22)}`);
    assert.equal(page.status, 404);
    assert.match(await page.text(), /tandem|session/i);
  } finally {
    assert.equal(await lobby.stop(), 0);
  }
});

describe('hosting and joining', () => {
  const stage = useStage();

  test('an unknown session exits 5', async () => {
    const result = await runCli([
      'join',
      `${stage.lobby.proxy.url}/j/${'A'.repeat(22)}#${'B'.repeat(43)}`,
    ]);
    assert.equal(result.code, 5);
    assert.match(result.stderr, /Unknown session/);
  });

  test('the mirror gets exactly the shared files, byte for byte, and follows host changes', async () => {
    const mirror = await tempDir();
    const { host, link } = await startHostCli(stage);
    try {
      const guest = new CliProcess([
        'join',
        link,
        '--json',
        '--name',
        'gil',
        '--mirror',
        mirror.dir,
      ]);
      const request = await host.waitFor('join-request');
      assert.equal(request.name, 'gil');
      host.send(`approve ${String(request.id)} edit`);
      assert.equal((await guest.waitFor('approved')).role, 'edit');
      await guest.waitFor('synced');
      assert.deepEqual(await listFiles(mirror.dir), [
        '.gitignore',
        '.tandem-mirror',
        join('.tandem-mirror-state', 'state.json'),
        'README.md',
        'blob.bin',
        join('src', `${SECRET_NAME}.ts`),
        join('src', 'nested', 'util.py'),
      ]);
      assert.deepEqual(
        await readFile(join(mirror.dir, 'blob.bin')),
        await readFile(join(stage.project.dir, 'blob.bin')),
      );
      assert.equal(
        await readFile(join(mirror.dir, 'src', 'nested', 'util.py'), 'utf8'),
        'print("hi")\r\n',
      );
      assert.ok(
        (await readFile(join(mirror.dir, 'src', `${SECRET_NAME}.ts`), 'utf8')).includes(
          SECRET_CONTENT,
        ),
      );

      await writeFile(join(stage.project.dir, 'added.txt'), 'new file');
      await writeFile(join(stage.project.dir, 'README.md'), '# changed\n');
      await rm(join(stage.project.dir, 'src', 'nested', 'util.py'));
      await eventually(
        async () =>
          (await readFile(join(mirror.dir, 'added.txt'), 'utf8').catch(() => '')) === 'new file',
      );
      await eventually(
        async () => (await readFile(join(mirror.dir, 'README.md'), 'utf8')) === '# changed\n',
      );
      await eventually(
        async () =>
          !(await stat(join(mirror.dir, 'src', 'nested', 'util.py')).catch(() => undefined)),
      );
      // An ignored file appearing on the host stays on the host.
      await writeFile(join(stage.project.dir, 'trace.log'), 'ignored');
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(await stat(join(mirror.dir, 'trace.log')).catch(() => undefined), undefined);
      host.send('end');
      assert.equal(await guest.exited, 0);
      assert.equal(await host.exited, 0);
    } finally {
      await host.stop();
      await mirror.cleanup();
      await rm(join(stage.project.dir, 'added.txt'), { force: true });
      await rm(join(stage.project.dir, 'trace.log'), { force: true });
      await writeFile(join(stage.project.dir, 'README.md'), '# demo\n');
      await writeFile(join(stage.project.dir, 'src', 'nested', 'util.py'), 'print("hi")\r\n');
    }
  });

  test('a guest that left and comes back is asked about again with a new certificate', async () => {
    const { host, link } = await startHostCli(stage);
    try {
      for (const round of [1, 2]) {
        const guest = new CliProcess(['join', link, '--json', '--name', `round${round}`]);
        const request = await host.waitFor(
          (e) => e.event === 'join-request' && e.name === `round${round}`,
        );
        host.send(`approve ${String(request.id)}`);
        await guest.waitFor('approved');
        await guest.stop();
        await host.waitFor((e) => e.event === 'left' && e.name === `round${round}`);
      }
    } finally {
      await host.stop();
    }
  });
});

test('tandem host with no --lobby runs its own lobby and relay, and a guest joins through it', async () => {
  const project = await makeProject();
  const mirror = await tempDir();
  const host = new CliProcess([
    'host',
    project.dir,
    '--listen',
    '127.0.0.1',
    '--port',
    '0',
    '--approve',
    'auto',
    '--json',
  ]);
  try {
    const { link } = (await host.waitFor('link')) as unknown as { link: string };
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/j\/[A-Za-z0-9_-]{22,}#[A-Za-z0-9_-]{43}$/);
    const guest = new CliProcess(['join', link, '--json', '--relay-only', '--mirror', mirror.dir]);
    await guest.waitFor('synced');
    assert.equal((await guest.waitFor('pin')).via, 'relay');
    assert.equal(await readFile(join(mirror.dir, 'README.md'), 'utf8'), '# demo\n');
  } finally {
    await host.stop();
    await mirror.cleanup();
    await project.cleanup();
  }
});

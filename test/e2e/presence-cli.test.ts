/**
 * Presence from the command line: `tandem host --json` streams presence changes, and its
 * `summon` command reaches `tandem join --json` as a `summoned` event.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliProcess, startHostCli, useStage } from './harness.js';

describe('presence on the command line', () => {
  const stage = useStage();

  test('the host streams presence as JSON and its summon reaches the guest', async () => {
    const { host, link } = await startHostCli(stage, '--name', 'hosta', '--no-ui');
    const guest = new CliProcess(['join', link, '--json', '--name', 'paz', '--no-ui']);
    const request = await host.waitFor('join-request');
    host.send(`approve ${String(request.id)} edit`);
    await guest.waitFor('approved');
    const presence = await host.waitFor(
      (e) =>
        e.event === 'presence' &&
        (e.participants as { name: string; role?: string }[]).some(
          (p) => p.name === 'paz' && p.role === 'edit',
        ),
    );
    const names = (presence.participants as { name: string }[]).map((p) => p.name).sort();
    assert.deepEqual(names, ['hosta', 'paz']);
    host.send('summon');
    const summoned = await guest.waitFor('summoned');
    assert.equal(summoned.name, 'hosta');
    await host.waitFor('summon');
    host.send('end');
    assert.equal(await host.exited, 0);
    assert.equal(await guest.exited, 0);
  });

  test('the editor address is printed with its token and never opened with --json', async () => {
    const { host } = await startHostCli(stage);
    const ui = await host.waitFor('ui');
    assert.match(String(ui.url), /^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/$/);
    const page = await fetch(String(ui.url));
    assert.equal(page.status, 200);
    host.send('end');
    assert.equal(await host.exited, 0);
  });
});

import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, renderJoinPage } from '../../src/lobby/index.js';
import { call, register, startLobby } from './helpers.js';

test('the join page tells a person how to join and carries a strict CSP', async () => {
  const lobby = await startLobby();
  try {
    const session = await register(lobby);
    const page = await call(lobby, 'GET', `/j/${session.sessionId}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /Install Tandem/);
    assert.match(page.text, new RegExp(`tandem join &#39;${session.joinUrl}#`));
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    // The inline script is allowed by exactly its hash.
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.text)?.[1] ?? '';
    assert.match(script, /location\.href/);
    const hash = createHash('sha256').update(script).digest('base64');
    assert.ok(csp.includes(`'sha256-${hash}'`), 'script hash missing from the CSP');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  } finally {
    await lobby.close();
  }
});

test('the join page escapes the session name instead of echoing markup', async () => {
  const lobby = await startLobby();
  try {
    const name = `<img src=x onerror=alert(1)>"'&`;
    const session = await register(lobby, { name, direct: [] });
    const page = await call(lobby, 'GET', `/j/${session.sessionId}`);
    assert.ok(!page.text.includes('<img'), 'markup from the name reached the page');
    assert.ok(page.text.includes('&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#38;'));
    assert.equal(
      escapeHtml(`<a href="x">'&</a>`),
      '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#60;/a&#62;',
    );
  } finally {
    await lobby.close();
  }
});

test('the join page says so for unknown (404), malformed (404) and ended (410) sessions', async () => {
  const lobby = await startLobby();
  try {
    const unknown = await call(lobby, 'GET', '/j/AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /No session has this link/);
    const malformed = await call(
      lobby,
      'GET',
      `/j/${encodeURIComponent('<script>alert(1)</script>')}`,
    );
    assert.equal(malformed.status, 404);
    assert.ok(!malformed.text.includes('alert(1)'));
    const session = await register(lobby);
    await call(lobby, 'DELETE', `/v1/sessions/${session.sessionId}`, { token: session.hostToken });
    const ended = await call(lobby, 'GET', `/j/${session.sessionId}`);
    assert.equal(ended.status, 410);
    assert.match(ended.text, /This session has ended; ask the host for a new link\./);
    assert.ok(!ended.text.includes('Ann'));
  } finally {
    await lobby.close();
  }
});

test('the join page script shell-quotes the link it fills in', () => {
  const html = renderJoinPage({ kind: 'live', sessionName: 'x', joinUrl: 'https://l.example/j/a' });
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const element = { textContent: '', hidden: true };
  const run = new Function('location', 'document', script) as (l: unknown, d: unknown) => void;
  run({ href: "https://l.example/j/a#fp'x" }, { getElementById: () => element });
  assert.equal(element.textContent, `tandem join 'https://l.example/j/a#fp'\\''x'`);
});

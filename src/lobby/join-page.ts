import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { lookupSessionParam, type LobbyContext } from './context.js';

/**
 * Fills the full link into the command. The fingerprint lives in the URL fragment, which the
 * browser never sends, so only this script can see it. It writes with `textContent` (never
 * HTML) and quotes the link for a POSIX shell.
 */
const JOIN_SCRIPT = `
(function () {
  var link = String(location.href);
  var command = document.getElementById('command');
  if (!command) return;
  if (link.indexOf('#') < 0 || link.indexOf('#') === link.length - 1) {
    var warning = document.getElementById('no-fingerprint');
    if (warning) warning.hidden = false;
    return;
  }
  command.textContent = "tandem join '" + link.split("'").join("'\\\\''") + "'";
})();
`;

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; color: #1b1b1f;
  max-width: 44rem; margin: 3rem auto; padding: 0 1rem; }
pre { background: #f2f2f5; padding: 0.75rem 1rem; border-radius: 6px;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.note { color: #55555f; font-size: 0.9rem; }
`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64');

/**
 * Content-Security-Policy of every page: nothing may load, the one inline script and style are
 * allowed by hash, and the page may not be framed (clickjacking).
 */
export const JOIN_PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(JOIN_SCRIPT)}'`,
  `style-src 'sha256-${sha256(STYLE)}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What a join page shows. */
export type JoinPageModel =
  { kind: 'live'; sessionName: string; joinUrl: string } | { kind: 'ended' } | { kind: 'unknown' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the join page; every value from outside goes through {@link escapeHtml}. */
export function renderJoinPage(model: JoinPageModel): string {
  if (model.kind === 'ended') {
    return page(
      'This Tandem session has ended',
      '<p>This session has ended; ask the host for a new link.</p>',
    );
  }
  if (model.kind === 'unknown') {
    return page(
      'Unknown Tandem session',
      '<p>No session has this link. Check that you copied the whole link, ' +
        'or ask the host for a new one.</p>',
    );
  }
  const name = escapeHtml(model.sessionName);
  const command = escapeHtml(`tandem join '${model.joinUrl}#<fingerprint from your link>'`);
  return page(
    `Join “${name}” on Tandem`,
    `<p>You were invited to pair-program with Tandem in the session “${name}”.</p>
<ol>
<li>Install Tandem on your computer (it needs Node.js 20 or newer).</li>
<li>In a terminal, run:
<pre><code id="command">${command}</code></pre></li>
<li>Tandem shows a PIN. Read it to the host by voice or chat; the host checks it and
lets you in.</li>
</ol>
<p id="no-fingerprint" hidden><strong>This link is missing the part after “#”.</strong>
Without it Tandem cannot verify the host. Ask the host for the complete link.</p>
<noscript><p>Use the complete link you were sent, including the part after “#”.</p></noscript>
<p class="note">Your code travels end to end encrypted between you and the host. This page and
the lobby never see it, nor the part of the link after “#”.</p>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
<script>${JOIN_SCRIPT}</script>
</body>
</html>
`;
}

/** Registers `GET /j/:id`, the page a join link opens in a browser. */
export function registerJoinPage(app: FastifyInstance, context: LobbyContext): void {
  app.get<{ Params: { id: string } }>('/j/:id', async (request, reply) => {
    const lookup = await lookupSessionParam(context.store, request.params.id);
    const model: JoinPageModel =
      lookup.status === 'live'
        ? {
            kind: 'live',
            sessionName: lookup.session.name,
            joinUrl: `${context.publicUrl()}/j/${lookup.session.sessionId}`,
          }
        : { kind: lookup.status };
    const status = lookup.status === 'live' ? 200 : lookup.status === 'ended' ? 410 : 404;
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', JOIN_PAGE_CSP)
      .send(renderJoinPage(model));
  });
}

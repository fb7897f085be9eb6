import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyReply } from 'fastify';
import { WebSocketServer } from 'ws';
import { silentLogger, type Logger } from '../log.js';
import type { UiBackend } from './backend.js';
import { PageSession } from './page-session.js';
import { MAX_UI_MESSAGE_BYTES } from './protocol.js';

/** The only address the UI listens on: the page is for the person at this machine. */
export const UI_HOST = '127.0.0.1';

/** Pages one agent serves at once (each tab is one). */
export const MAX_UI_PAGES = 16;

/** Where the built page lives: `dist/ui`, next to this module's `dist/src/ui`. */
const DEFAULT_ASSETS = fileURLToPath(new URL('../../ui/', import.meta.url));

/** What the page's folder serves, by the path below `/TOKEN/`. */
const ASSETS: Record<string, string> = {
  '': 'index.html',
  'app.js': 'app.js',
  'app.js.map': 'app.js.map',
  'app.css': 'app.css',
};

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
};

/** Options for {@link startUiServer}. */
export interface UiServerOptions {
  backend: UiBackend;
  /** Port to listen on; 0 (the default) takes a free one. */
  port?: number;
  /** Folder of the built page; defaults to `dist/ui`. */
  assetsDir?: string;
  logger?: Logger;
}

/** A running UI server. */
export interface UiServer {
  /** The address to open, token included (`http://127.0.0.1:PORT/TOKEN/`). */
  readonly url: string;
  readonly port: number;
  /** Pages connected now. */
  pages(): number;
  close(): Promise<void>;
}

/**
 * Serves an agent's page on 127.0.0.1, at `/TOKEN/` with the run's random token as the first
 * path segment: the page, its assets and its WebSocket all live below it, and nothing else is
 * served. There is no cookie, because browsers share cookies between all ports of a host, so any
 * other local server the person visits would receive it. Requests naming another `Host` (DNS
 * rebinding) or coming from another page's `Origin` are refused too, so no web site the person
 * visits can drive the agent.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const assets = await loadAssets(options.assetsDir ?? DEFAULT_ASSETS);
  const log = options.logger ?? silentLogger;
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_UI_MESSAGE_BYTES });
  let port = 0;
  const gate = new Gate(token, () => port);

  app.addHook('onRequest', async (request, reply) => {
    const problem = gate.checkHeaders(request.headers);
    if (problem) return refuse(reply, 403, problem);
  });
  app.get('/*', async (request, reply) => {
    const { pathname } = new URL(request.url, 'http://ui.invalid');
    const [, first = '', ...rest] = pathname.split('/');
    if (first === '') {
      return refuse(reply, 401, 'Open the address Tandem printed; it carries a token.');
    }
    if (!gate.tokenMatches(first)) {
      return refuse(
        reply,
        403,
        'This address has a wrong or old token. Open the one Tandem printed.',
      );
    }
    // Relative asset and WebSocket addresses need the page to end in a slash.
    if (rest.length === 0) return reply.redirect(`/${first}/`, 308);
    const file = ASSETS[rest.join('/')];
    const body = file === undefined ? undefined : assets.get(file);
    if (body === undefined) return refuse(reply, 404, 'Not found.');
    securityHeaders(reply, port);
    return reply.type(CONTENT_TYPES[file!.split('.').pop()!] ?? 'text/plain').send(body);
  });

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const [, first = '', ws, ...more] = new URL(
      request.url ?? '/',
      'http://ui.invalid',
    ).pathname.split('/');
    const problem =
      ws !== 'ws' || more.length > 0
        ? 'not found'
        : (gate.checkHeaders(request.headers, { originRequired: true }) ??
          (gate.tokenMatches(first) ? undefined : 'no token'));
    if (problem || wss.clients.size >= MAX_UI_PAGES) {
      log.info({ reason: problem ?? 'too many pages' }, 'refused a page connection');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      new PageSession(ws, options.backend, log.child({ page: true }));
    });
  });

  await app.listen({ host: UI_HOST, port: options.port ?? 0 });
  port = (app.server.address() as AddressInfo).port;
  log.info({ port }, 'UI listening');
  return {
    url: `http://${UI_HOST}:${port}/${token}/`,
    port,
    pages: () => wss.clients.size,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await app.close();
    },
  };
}

/** The checks every request passes: the right `Host`, no foreign `Origin`, the token. */
class Gate {
  readonly #token: Buffer;
  readonly #port: () => number;

  constructor(token: string, port: () => number) {
    this.#token = Buffer.from(token);
    this.#port = port;
  }

  /** Why these headers are refused, or undefined when they may pass. */
  checkHeaders(
    headers: IncomingMessage['headers'],
    options: { originRequired?: boolean } = {},
  ): string | undefined {
    const hosts = [`127.0.0.1:${this.#port()}`, `localhost:${this.#port()}`];
    if (!hosts.includes(headers.host ?? '')) return 'foreign Host header';
    const origin = headers.origin;
    if (origin === undefined) return options.originRequired ? 'no Origin header' : undefined;
    if (!hosts.some((host) => origin === `http://${host}`)) return 'foreign Origin header';
    return undefined;
  }

  tokenMatches(candidate: string): boolean {
    const given = Buffer.from(candidate);
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }
}

async function loadAssets(dir: string): Promise<Map<string, Buffer>> {
  const assets = new Map<string, Buffer>();
  for (const file of new Set(Object.values(ASSETS))) {
    try {
      assets.set(file, await readFile(join(dir, file)));
    } catch (error) {
      if (file.endsWith('.map')) continue;
      throw new Error(
        `The browser UI is not built (${file} is missing in ${dir}); run "npm run build".`,
        { cause: error },
      );
    }
  }
  return assets;
}

function securityHeaders(reply: FastifyReply, port: number): void {
  void reply.headers({
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      // CodeMirror themes its editor with style elements it creates at run time.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/plain; charset=utf-8')
    .send(`Tandem: ${message}\n`);
}

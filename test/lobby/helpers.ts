import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';
import {
  createLobbyServer,
  type LobbyServer,
  type LobbyServerOptions,
} from '../../src/lobby/index.js';

/** What `POST /v1/sessions` answers. */
export interface Registered {
  sessionId: string;
  hostToken: string;
  joinUrl: string;
  relayUrl: string;
}

/** An answer of the lobby, body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

/** Starts a lobby on 127.0.0.1, port 0. */
export function startLobby(options: LobbyServerOptions = {}): Promise<LobbyServer> {
  return createLobbyServer({ host: '127.0.0.1', port: 0, ...options });
}

/** Sends one request to the lobby. */
export async function call(
  lobby: LobbyServer,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${lobby.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  if (response.headers.get('content-type')?.startsWith('application/json')) {
    parsed = JSON.parse(text) as Record<string, unknown>;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Registers a session and returns the lobby's answer. */
export async function register(
  lobby: LobbyServer,
  body: unknown = { name: 'Ann', direct: [{ host: '192.0.2.10', port: 4100 }] },
): Promise<Registered> {
  const answer = await call(lobby, 'POST', '/v1/sessions', { body });
  if (answer.status !== 201) throw new Error(`registration failed: ${answer.text}`);
  return answer.body as unknown as Registered;
}

/** A logger at the most verbose level whose output the test can read. */
export function captureLogger(): { logger: Logger; text(): string } {
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      output += chunk.toString();
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), text: () => output };
}

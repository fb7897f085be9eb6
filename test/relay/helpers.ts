import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import {
  Relay,
  connectRelayHostControl,
  openRelayGuest,
  openRelayHostData,
  randomId,
  type RelayControl,
  type RelayLimits,
  type RelaySessionAuthority,
  type RelaySessionStatus,
} from '../../src/relay/index.js';

/** An in-memory session authority, as a standalone relay node would have. */
export class FakeAuthority implements RelaySessionAuthority {
  readonly sessions = new Map<string, { token: string; status: RelaySessionStatus }>();
  readonly presence: [string, boolean][] = [];

  add(): { sessionId: string; hostToken: string } {
    const sessionId = randomId();
    const hostToken = randomId(32);
    this.sessions.set(sessionId, { token: hostToken, status: 'live' });
    return { sessionId, hostToken };
  }

  end(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session) session.status = 'ended';
  }

  async sessionStatus(sessionId: string): Promise<RelaySessionStatus> {
    return this.sessions.get(sessionId)?.status ?? 'unknown';
  }

  async verifyHostToken(sessionId: string, token: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    return session?.status === 'live' && session.token === token;
  }

  onHostPresence(sessionId: string, present: boolean): void {
    this.presence.push([sessionId, present]);
  }
}

/** A relay on its own HTTP server on 127.0.0.1, port 0. */
export interface TestRelay {
  relay: Relay;
  authority: FakeAuthority;
  server: Server;
  /** `ws://127.0.0.1:PORT/v1/relay` */
  relayUrl: string;
  /** `http://127.0.0.1:PORT` */
  httpUrl: string;
  close(): Promise<void>;
}

/** Starts a relay with the given limits. */
export async function startRelay(limits: Partial<RelayLimits> = {}): Promise<TestRelay> {
  const authority = new FakeAuthority();
  const relay = new Relay({ authority, limits });
  const server = createServer((_request, response) => response.writeHead(404).end());
  server.on('upgrade', (request, socket, head) => {
    if (!relay.handleUpgrade(request, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    relay,
    authority,
    server,
    relayUrl: `ws://127.0.0.1:${port}/v1/relay`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await relay.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Text messages received by raw sockets, recorded from the start so none is missed. */
const inboxes = new WeakMap<WebSocket, { signals: Record<string, unknown>[]; wake: () => void }>();

/** Opens a raw WebSocket to a relay path, optionally with a bearer token; resolves when open. */
export async function rawSocket(url: string, token?: string): Promise<WebSocket> {
  const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const inbox = { signals: [] as Record<string, unknown>[], wake: () => undefined as void };
  inboxes.set(ws, inbox);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    inbox.signals.push(JSON.parse(data.toString()) as Record<string, unknown>);
    inbox.wake();
  });
  ws.on('error', () => undefined);
  await once(ws, 'open');
  return ws;
}

/** Resolves with the close code and reason of a socket. */
export async function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('socket already closed');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** Resolves with the next text message of a raw socket, parsed as JSON. */
export async function nextSignal(ws: WebSocket): Promise<Record<string, unknown>> {
  const inbox = inboxes.get(ws);
  if (!inbox) throw new Error('not a rawSocket');
  while (inbox.signals.length === 0) {
    await new Promise<void>((resolve, reject) => {
      inbox.wake = resolve;
      ws.once('close', () => reject(new Error('closed while waiting for a signal')));
    });
  }
  return inbox.signals.shift()!;
}

/** Reads exactly `length` bytes from a stream. */
export function readBytes(stream: Duplex, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= length) {
        cleanup();
        resolve(Buffer.concat(chunks).subarray(0, length));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended after ${total} of ${length} bytes`));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A guest and host stream paired through the relay, with the host's control connection. */
export interface PairedStreams {
  sessionId: string;
  hostToken: string;
  control: RelayControl;
  guest: Duplex;
  host: Duplex;
}

/** Registers a session with the fake authority and pairs one guest with its host. */
export async function pairThroughRelay(relay: TestRelay): Promise<PairedStreams> {
  const { sessionId, hostToken } = relay.authority.add();
  const { relayUrl } = relay;
  let announce: (connId: string) => void = () => undefined;
  const incoming = new Promise<string>((resolve) => (announce = resolve));
  const control = await connectRelayHostControl({
    relayUrl,
    sessionId,
    hostToken,
    onIncoming: (connId) => announce(connId),
    // A failing test must not leave a control connection retrying forever.
    reconnect: false,
  });
  const guestOpening = openRelayGuest({ relayUrl, sessionId });
  const connId = await incoming;
  const host = await openRelayHostData({ relayUrl, sessionId, hostToken, connId });
  const guest = await guestOpening;
  return { sessionId, hostToken, control, guest, host };
}

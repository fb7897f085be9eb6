import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { realpath, stat } from 'node:fs/promises';
import * as tls from 'node:tls';
import { silentLogger, type Logger } from '../log.js';
import { endSession, registerSession, type RegisteredSession } from '../lobby/client.js';
import { PROTOCOL_VERSION, type GuestMessage, type Role } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/errors.js';
import {
  connectRelayHostControl,
  openRelayHostData,
  type RelayControl,
  type RelayControlStatus,
} from '../relay/index.js';
import { createIdentity, type Identity } from '../security/identity.js';
import { formatJoinLink } from '../security/link.js';
import { derivePin } from '../security/pin.js';
import {
  acceptTls,
  createHostSecureContext,
  hostServerOptions,
  requirePeerFingerprint,
} from '../security/tls.js';
import {
  assertShareable,
  loadWorkspaceRules,
  resolveInside,
  watchWorkspace,
  type WorkspaceChange,
  type WorkspaceWatcher,
} from '../workspace/index.js';
import { AdmissionBook, MAX_PENDING_GUESTS } from './admission.js';
import { directAddresses } from './addresses.js';
import type { ConnectionPath, HostEvent } from './events.js';
import { GuestConnection, HELLO_TIMEOUT_MS } from './guest-connection.js';
import { publishChange, publishSnapshot, type SharedFolder } from './publisher.js';
import { relayStatusEvent } from './relay-status.js';
import { Collaboration } from './collaboration.js';
import { HostLocal } from './local.js';

/** Shape of the ids the host gives guests (`g1`, `g2`, …), which names may not take. */
const GUEST_ID = /^g\d+$/i;

/** Options for {@link startHost}. */
export interface HostOptions {
  /** The folder to share. */
  dir: string;
  /** Base URL of the lobby to register with. */
  lobbyUrl: string;
  /** Session name shown to guests. */
  name: string;
  /** Open no listener for guests; everything goes through the relay. */
  relayOnly?: boolean;
  /** Address of the direct listener. Default `0.0.0.0`. */
  listenHost?: string;
  /** Port of the direct listener. Default 0 (any free port). */
  listenPort?: number;
  /** `auto` admits every guest with `role`; `ask` waits for {@link HostAgent.approve}. */
  approve?: 'ask' | 'auto';
  /** Role for auto-approved guests. Default `read-only`. */
  role?: Role;
  maxPendingGuests?: number;
  /** Quiet time after an edit before a document is saved; see DocumentStore. */
  autosaveDebounceMs?: number;
  onEvent?: (event: HostEvent) => void;
  logger?: Logger;
}

/** A running host: the shared folder, its TLS identity, and the connected guests. */
export interface HostAgent {
  readonly link: string;
  readonly sessionId: string;
  /** Host certificate fingerprint, as pinned in the link. */
  readonly fingerprint: string;
  /** Port of the direct listener, or undefined with `relayOnly`. */
  readonly directPort: number | undefined;
  /** Admits a waiting guest. Returns false when no guest with that id is waiting. */
  approve(id: string, role?: Role): boolean;
  /** Refuses a waiting guest. Returns false when no guest with that id is waiting. */
  deny(id: string): boolean;
  /** Changes an admitted guest's role; it applies at once. False when no such guest. */
  setRole(id: string, role: Role): boolean;
  /**
   * Removes a guest. Its certificate is forgotten, so if it comes back the host is asked
   * again. False when no such guest.
   */
  remove(id: string): boolean;
  /** Ends the session: guests are told, the link dies at the lobby, everything closes. */
  end(reason?: string): Promise<void>;
  /** Settles when the session has ended, by {@link end} or otherwise. */
  readonly ended: Promise<string>;
  /** The host's own documents, presence and file operations, for its editor UI. */
  readonly local: HostLocal;
  /** Guests in the session now, and those waiting for approval. */
  guests(): { admitted: AdmittedGuest[]; waiting: WaitingGuest[] };
  /** Asks everyone to follow the host. */
  summon(): void;
}

/** A guest in the session, as {@link HostAgent.guests} lists it. */
export interface AdmittedGuest {
  id: string;
  name: string;
  role: Role;
  via: ConnectionPath;
}

/** A guest waiting for the host's approval. */
export interface WaitingGuest {
  id: string;
  name: string;
  pin: string;
  fingerprint: string;
  via: ConnectionPath;
}

/**
 * Starts hosting a folder (DESIGN.md, "Joining, step by step", the host's side): makes the
 * session identity, registers with the lobby, listens directly and through the relay, and
 * admits guests only with the host's approval.
 */
export async function startHost(options: HostOptions): Promise<HostAgent> {
  const info = await stat(options.dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new Error(
      `Cannot share ${options.dir}: it is not a folder. Give the path of a folder to share.`,
    );
  }
  const root = await realpath(options.dir);
  // A guest's mirror shared again would echo its own writes back to it.
  await assertShareable(root);
  const identity = await createIdentity('tandem-host');
  const host = new Host({ root, rules: await loadWorkspaceRules(root) }, identity, options);
  await host.start();
  return host;
}

class Host implements HostAgent {
  readonly #options: HostOptions;
  readonly #identity: Identity;
  readonly #secureContext: tls.SecureContext;
  readonly #admission: AdmissionBook;
  readonly #guests = new Map<string, GuestConnection>();
  readonly #folder: SharedFolder;
  #log: Logger;
  #session: RegisteredSession | undefined;
  #server: tls.Server | undefined;
  #relay: RelayControl | undefined;
  /** The control connection as last reported, so that each change is told once. */
  #relayState: RelayControlStatus = 'connected';
  #watcher: WorkspaceWatcher | undefined;
  readonly #collab: Collaboration;
  readonly local: HostLocal;
  #nextGuest = 1;
  #ending: Promise<void> | undefined;
  #resolveEnded!: (reason: string) => void;
  readonly ended: Promise<string>;
  link = '';
  sessionId = '';
  directPort: number | undefined;

  constructor(folder: SharedFolder, identity: Identity, options: HostOptions) {
    this.#options = options;
    this.#identity = identity;
    this.#secureContext = createHostSecureContext(identity);
    this.#admission = new AdmissionBook(options.maxPendingGuests ?? MAX_PENDING_GUESTS);
    this.#log = options.logger ?? silentLogger;
    this.#folder = folder;
    this.#collab = new Collaboration({
      root: folder.root,
      rules: folder.rules,
      hostName: options.name,
      logger: this.#log,
      guests: () => this.#guests.values(),
      autosaveDebounceMs: options.autosaveDebounceMs,
    });
    this.local = new HostLocal(this.#collab, folder);
    this.#collab.presence.awareness.on('change', () =>
      this.#emit({ event: 'presence', participants: this.#collab.presence.participants() }),
    );
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  get fingerprint(): string {
    return this.#identity.fingerprint;
  }

  async start(): Promise<void> {
    this.#watcher = watchWorkspace(this.#folder.root, this.#folder.rules, {
      onChange: (change) => this.#onDiskChange(change),
    });
    await this.#watcher.ready;
    try {
      const listenHost = this.#options.listenHost ?? '0.0.0.0';
      if (!this.#options.relayOnly) this.directPort = await this.#listen(listenHost);
      const direct =
        this.directPort === undefined ? [] : directAddresses(listenHost, this.directPort);
      this.#session = await registerSession(this.#options.lobbyUrl, {
        name: this.#options.name,
        direct,
      });
      this.sessionId = this.#session.sessionId;
      this.#log = this.#log.child({ session: this.sessionId });
      this.link = formatJoinLink(this.#session.joinUrl, this.#identity.fingerprint);
      this.#relay = await connectRelayHostControl({
        relayUrl: this.#session.relayUrl,
        sessionId: this.#session.sessionId,
        hostToken: this.#session.hostToken,
        onIncoming: (connId) => void this.#acceptRelayed(connId),
        onStatus: (status, error) => this.#onRelayStatus(status, error),
        logger: this.#log,
      });
    } catch (error) {
      await this.#shutdown();
      throw error;
    }
    this.#log.info({ direct: this.directPort !== undefined }, 'session started');
    this.#emit({ event: 'link', link: this.link, sessionId: this.sessionId });
  }

  guests(): { admitted: AdmittedGuest[]; waiting: WaitingGuest[] } {
    const admitted: AdmittedGuest[] = [];
    const waiting: WaitingGuest[] = [];
    for (const guest of this.#guests.values()) {
      if (guest.state === 'admitted' && guest.role) {
        admitted.push({ id: guest.id, name: guest.name, role: guest.role, via: guest.via });
      } else if (guest.state === 'pending') {
        const { id, name, pin, fingerprint, via } = guest;
        waiting.push({ id, name, pin, fingerprint, via });
      }
    }
    return { admitted, waiting };
  }

  summon(): void {
    this.#collab.presence.summon();
    this.#log.info('host summoned everyone to follow');
    this.#emit({ event: 'summon' });
  }

  approve(id: string, role: Role = this.#options.role ?? 'read-only'): boolean {
    return this.#admission.decide(id, { admit: true, role });
  }

  deny(id: string): boolean {
    return this.#admission.decide(id, { admit: false });
  }

  setRole(id: string, role: Role): boolean {
    const guest = this.#guests.get(id);
    if (!guest || guest.state !== 'admitted') return false;
    guest.role = role;
    this.#admission.remember(guest.fingerprint, role);
    guest.enqueue(() => guest.channel.send({ t: 'role', role }));
    this.#collab.refreshRoles();
    this.#collab.resync(guest);
    guest.log.info({ role }, 'role changed');
    this.#emit({ event: 'role', id, name: guest.name, role });
    return true;
  }

  remove(id: string): boolean {
    const guest = this.#guests.get(id);
    if (!guest || guest.state !== 'admitted') return false;
    this.#admission.forget(guest.fingerprint);
    guest.state = 'closed';
    guest.channel.fail('removed');
    guest.log.info('guest removed');
    this.#emit({ event: 'removed', id, name: guest.name });
    return true;
  }

  end(reason = 'The host ended the session.'): Promise<void> {
    this.#ending ??= (async () => {
      // Sent ahead of any queued snapshot (frames are written whole, so this cannot split
      // one), so that every guest learns the session ended rather than seeing a lost link.
      const told = [...this.#guests.values()].map(async (guest) => {
        await guest.channel.send({ t: 'ended', reason }).catch(() => undefined);
        guest.channel.close();
      });
      await Promise.race([Promise.all(told), new Promise((resolve) => setTimeout(resolve, 1000))]);
      if (this.#session) {
        await endSession(this.#options.lobbyUrl, this.#session).catch((error: unknown) =>
          this.#log.warn({ err: error }, 'could not tell the lobby that the session ended'),
        );
      }
      await this.#shutdown();
      this.#log.info('session ended');
      this.#emit({ event: 'ended', reason });
      this.#resolveEnded(reason);
    })();
    return this.#ending;
  }

  async #shutdown(): Promise<void> {
    this.#relay?.close();
    await this.#watcher?.close();
    // Every edit reaches the disk before the session is gone.
    await this.#collab
      .close()
      .catch((error: unknown) => this.#log.error({ err: error }, 'could not save every document'));
    // Give queued `ended` messages a moment to leave before the sockets go.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const guest of this.#guests.values()) guest.channel.close();
    if (this.#server) {
      const closed = once(this.#server, 'close');
      this.#server.close();
      await closed;
    }
  }

  /** Tells the person hosting about each change of the relay control connection, once. */
  #onRelayStatus(status: RelayControlStatus, error: Error | undefined): void {
    const previous = this.#relayState;
    this.#relayState = status;
    if (this.#ending || status === previous) return;
    if (status === 'connected') this.#log.info('relay control connection restored');
    const event = relayStatusEvent(status, error, {
      lobbyUrl: this.#options.lobbyUrl,
      direct: this.directPort !== undefined,
    });
    if (event) this.#emit(event);
  }

  async #listen(host: string): Promise<number> {
    const server = tls.createServer(hostServerOptions(this.#identity));
    server.on('secureConnection', (socket) => this.#onSecureSocket(socket, 'direct'));
    // A failed handshake (wrong TLS version, a port scanner) concerns only that client.
    server.on('tlsClientError', (error) =>
      this.#log.debug({ err: error }, 'direct TLS handshake failed'),
    );
    server.listen(this.#options.listenPort ?? 0, host);
    await once(server, 'listening');
    this.#server = server;
    return (server.address() as AddressInfo).port;
  }

  async #acceptRelayed(connId: string): Promise<void> {
    const session = this.#session;
    if (!session || this.#ending) return;
    try {
      const stream = await openRelayHostData({
        relayUrl: session.relayUrl,
        sessionId: session.sessionId,
        hostToken: session.hostToken,
        connId,
      });
      const socket = await acceptTls(stream, this.#secureContext);
      this.#onSecureSocket(socket, 'relay');
    } catch (error) {
      this.#log.debug({ err: error, conn: connId }, 'relayed guest connection failed');
    }
  }

  #onSecureSocket(socket: tls.TLSSocket, via: ConnectionPath): void {
    let fingerprint: string;
    try {
      fingerprint = requirePeerFingerprint(socket);
    } catch (error) {
      this.#log.debug({ err: error }, 'refused a connection without a usable certificate');
      socket.destroy();
      return;
    }
    if (this.#ending) {
      socket.destroy();
      return;
    }
    const id = `g${this.#nextGuest++}`;
    const guest = new GuestConnection({
      id,
      socket,
      fingerprint,
      via,
      log: this.#log.child({ conn: id, via }),
    });
    this.#guests.set(id, guest);
    const helloTimer = setTimeout(() => guest.channel.fail('handshake_timeout'), HELLO_TIMEOUT_MS);
    guest.channel.onClose((error) => {
      clearTimeout(helloTimer);
      this.#onGuestClosed(guest, error);
    });
    guest.channel.listen(async (message, body) => {
      if (message.t === 'hello') clearTimeout(helloTimer);
      await this.#onGuestMessage(guest, message, body);
    });
  }

  async #onGuestMessage(
    guest: GuestConnection,
    message: GuestMessage,
    body: Buffer,
  ): Promise<void> {
    if (message.t === 'bye' || message.t === 'error') {
      guest.channel.close();
      return;
    }
    if (message.t === 'ack') {
      guest.window.acknowledge(message);
      return;
    }
    if (guest.state === 'hello' && message.t === 'hello') {
      if (message.protocol !== PROTOCOL_VERSION) throw ProtocolError.of('unsupported_protocol');
      if (GUEST_ID.test(message.name)) {
        // A guest named "g2" could make the host approve the wrong guest by its id.
        throw new ProtocolError(
          'Choose a name that does not look like a guest id (g1, g2…).',
          'malformed_message',
        );
      }
      guest.name = message.name;
      await guest.channel.send({
        t: 'hello',
        protocol: PROTOCOL_VERSION,
        sessionName: this.#options.name,
      });
      // Admission waits for the person hosting; its failure concerns this guest only.
      this.#admit(guest).catch((error: unknown) => {
        if (error instanceof ProtocolError) guest.channel.fail(error.code, error.message);
        else {
          guest.log.warn({ err: error }, 'admission failed');
          guest.channel.fail('internal');
        }
      });
      return;
    }
    if (guest.state === 'admitted' && message.t === 'sync' && !guest.subscribed) {
      guest.subscribed = true;
      guest.wantsContents = message.contents ?? true;
      guest.enqueue(async (interleave) => {
        const totals = await publishSnapshot(guest.channel, this.#folder, {
          contents: guest.wantsContents,
          interleave,
          flow: () => guest.window.wait(),
        });
        guest.log.info(totals, 'snapshot sent');
      });
      return;
    }
    if (guest.state === 'admitted' && message.t === 'fetch') {
      const change = await this.#describe(message.path);
      // Nothing to send for a path that is not shared: the guest's copy is then removed.
      guest.enqueue(() =>
        change
          ? publishChange(guest.channel, this.#folder, change)
          : guest.channel.send({ t: 'remove', path: message.path }),
      );
      return;
    }
    if (
      guest.state === 'admitted' &&
      message.t !== 'hello' &&
      message.t !== 'sync' &&
      message.t !== 'fetch'
    ) {
      await this.#collab.handle(guest, message, body);
      return;
    }
    throw new ProtocolError(`"${message.t}" is not allowed now`, 'unexpected_message');
  }

  async #admit(guest: GuestConnection): Promise<void> {
    guest.pin = derivePin(guest.socket);
    const returningRole = this.#admission.roleOf(guest.fingerprint);
    let role: Role;
    if (returningRole) {
      role = returningRole;
    } else if (this.#options.approve === 'auto' && !this.#admission.wasRemoved(guest.fingerprint)) {
      role = this.#options.role ?? 'read-only';
    } else {
      if (!this.#admission.hasRoomForPending()) throw ProtocolError.of('too_many_pending');
      guest.state = 'pending';
      const decision = this.#admission.wait(guest.id);
      await guest.channel.send({ t: 'pending' });
      this.#emit({
        event: 'join-request',
        id: guest.id,
        name: guest.name,
        pin: guest.pin,
        fingerprint: guest.fingerprint,
        via: guest.via,
      });
      const outcome = await decision;
      if (guest.channel.closed) return;
      if (!outcome.admit) {
        guest.log.info('guest denied');
        this.#emit({ event: 'denied', id: guest.id, name: guest.name });
        guest.state = 'closed';
        guest.channel.fail('denied');
        return;
      }
      role = outcome.role;
    }
    guest.role = role;
    guest.state = 'admitted';
    this.#admission.remember(guest.fingerprint, role);
    await guest.channel.send({ t: 'admitted', role });
    this.#collab.welcome(guest);
    this.#collab.refreshRoles();
    guest.log.info({ role, readmitted: returningRole !== undefined }, 'guest admitted');
    this.#emit({
      event: 'joined',
      id: guest.id,
      name: guest.name,
      role,
      via: guest.via,
      readmitted: returningRole !== undefined,
    });
  }

  #onGuestClosed(guest: GuestConnection, error: Error | undefined): void {
    this.#guests.delete(guest.id);
    void this.#collab
      .leave(guest)
      .catch((failure: unknown) =>
        guest.log.error({ err: failure }, 'could not release the documents of a guest that left'),
      );
    // A guest that leaves while waiting withdraws its request.
    this.#admission.decide(guest.id, { admit: false });
    if (error) guest.log.info({ reason: error.message }, 'guest connection closed');
    const wasIn = guest.state === 'admitted' || guest.state === 'pending';
    guest.state = 'closed';
    this.#collab.refreshRoles();
    if (wasIn) this.#emit({ event: 'left', id: guest.id, name: guest.name });
  }

  /** The current state of a shared path as a change, or undefined when it is not shared. */
  async #describe(path: string): Promise<WorkspaceChange | undefined> {
    try {
      const absolute = await resolveInside(this.#folder.root, path, this.#folder.rules);
      const info = await stat(absolute);
      const kind = info.isDirectory() ? 'dir' : 'file';
      return {
        type: 'upsert',
        path,
        kind,
        size: info.size,
        mtimeMs: info.mtimeMs,
        executable: (info.mode & 0o111) !== 0,
      };
    } catch {
      return undefined;
    }
  }

  #onDiskChange(change: WorkspaceChange): void {
    this.local.notifyChanged(change.path);
    if (change.kind === 'file' && this.#collab.store.get(change.path)) {
      // An open document folds the new text in as an edit; guests get it as a Yjs update.
      void this.#collab.store
        .onDiskChange(change.path)
        .catch((error: unknown) =>
          this.#log.error({ err: error }, 'could not fold a disk change into its document'),
        );
    }
    for (const guest of this.#guests.values()) {
      if (guest.state !== 'admitted' || !guest.subscribed) continue;
      // A guest with the document open follows it through the document, not file pushes.
      const contents = guest.wantsContents && !this.#collab.isOpenBy(guest, change.path);
      guest.enqueue(() => publishChange(guest.channel, this.#folder, change, contents));
    }
  }

  #emit(event: HostEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch (error) {
      this.#log.error({ err: error }, 'event listener failed');
    }
  }
}

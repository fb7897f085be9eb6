import { silentLogger, type Logger } from '../log.js';
import { lookupSession, SessionForgottenError, type SessionParameters } from '../lobby/client.js';
import { MessageChannel } from '../protocol/channel.js';
import { AckCounter } from '../protocol/flow.js';
import { WIRE_ERRORS } from '../protocol/close-codes.js';
import {
  DeniedError,
  IdentityMismatchError,
  ProtocolError,
  SessionEndedError,
  UnknownSessionError,
} from '../protocol/errors.js';
import {
  hostMessageSchema,
  PROTOCOL_VERSION,
  type GuestMessage,
  type HostMessage,
  type Role,
} from '../protocol/messages.js';
import { createIdentity, type Identity } from '../security/identity.js';
import { parseJoinLink, type JoinLink } from '../security/link.js';
import { derivePin } from '../security/pin.js';
import { openMirror, type Mirror } from '../workspace/index.js';
import { connectToHost } from './connector.js';
import type { GuestEvent } from './events.js';
import { MirrorSync } from './mirror-sync.js';
import { GuestCollaboration } from './collaboration.js';
import { MirrorWriteback } from './mirror-writeback.js';
import { ReconnectSchedule, RECONNECT_GIVE_UP_MS } from './reconnect.js';
import { RemoteTree } from './remote-tree.js';

/** How long the guest waits for the host's `hello` after the TLS handshake. */
export const HOST_HELLO_TIMEOUT_MS = 10_000;

/** Options for {@link joinSession}. */
export interface JoinOptions {
  /** The join link, fingerprint fragment included. */
  link: string;
  /** Name the host sees in the join request. */
  name: string;
  relayOnly?: boolean;
  /** Folder to mirror the shared tree into. Without it the guest only joins. */
  mirrorDir?: string;
  /** Give up reconnecting after this long without a connection. */
  reconnectGiveUpMs?: number;
  /**
   * Quiet time before others' edits to a document this guest changed in its mirror are written
   * into the mirror; defaults to `MIRROR_WRITE_DEBOUNCE_MS`.
   */
  mirrorWriteDebounceMs?: number;
  onEvent?: (event: GuestEvent) => void;
  logger?: Logger;
}

/** A guest in a session. */
export interface GuestAgent {
  /** Settles with the reason when the session ends or the guest leaves; rejects on failure. */
  readonly done: Promise<string>;
  /** The role the host gave, once admitted. */
  readonly role: Role | undefined;
  /** Documents, presence and file operations; survives reconnects. */
  readonly collaboration: GuestCollaboration;
  /** The shared tree's listing as the host announced it (for an editor UI). */
  readonly tree: RemoteTree;
  /** Leaves the session. */
  leave(): void;
}

/**
 * Joins a session (DESIGN.md, "Joining, step by step", the guest's side). Resolves once the
 * first connection to the host is verified; everything after (PIN, approval, mirror) arrives
 * as events and through {@link GuestAgent.done}. A connection lost after approval is
 * re-established with the same certificate, so the host readmits without asking again.
 */
export async function joinSession(options: JoinOptions): Promise<GuestAgent> {
  const link = parseJoinLink(options.link);
  // Only the session id goes to the lobby; the fingerprint stays here.
  const session = await lookupSession(link.lobbyUrl, link.sessionId);
  const identity = await createIdentity('tandem-guest');
  const mirror = options.mirrorDir ? await openMirrorFolder(options.mirrorDir) : undefined;
  const guest = new Guest({ options, link, identity, mirror });
  await guest.loadMirror();
  await guest.connect(session);
  return guest;
}

/** What one connection ended with, decided by the messages seen on it. */
type Outcome = { kind: 'ended'; reason: string } | { kind: 'failed'; error: Error } | undefined;

class Guest implements GuestAgent {
  readonly done: Promise<string>;
  role: Role | undefined;
  readonly collaboration: GuestCollaboration;
  readonly tree = new RemoteTree();
  readonly #options: JoinOptions;
  readonly #link: JoinLink;
  readonly #identity: Identity;
  readonly #mirror: Mirror | undefined;
  readonly #sync: MirrorSync | undefined;
  readonly #writeback: MirrorWriteback | undefined;
  readonly #log: Logger;
  #channel: MessageChannel<HostMessage, GuestMessage> | undefined;
  #leaving = false;
  #resolve!: (reason: string) => void;
  #reject!: (error: Error) => void;

  constructor(parts: {
    options: JoinOptions;
    link: JoinLink;
    identity: Identity;
    mirror: Mirror | undefined;
  }) {
    this.#options = parts.options;
    this.#link = parts.link;
    this.#identity = parts.identity;
    this.#mirror = parts.mirror;
    this.#log = parts.options.logger ?? silentLogger;
    this.collaboration = new GuestCollaboration({
      name: parts.options.name,
      onEvent: (event) => this.#emit(event),
    });
    // What the mirror kept of its own instead of the host's content goes back through the
    // write-back, to be merged and sent.
    this.#sync =
      parts.mirror &&
      new MirrorSync(parts.mirror, {
        onKept: (path) => this.#writeback?.recheck(path),
        onMovedAside: (event) => this.#emit(event),
        onStateError: (error) =>
          this.#log.warn({ err: error }, 'could not read or save the mirror state'),
      });
    this.#writeback =
      this.#sync &&
      new MirrorWriteback({
        mirror: parts.mirror!,
        sync: this.#sync,
        collaboration: this.collaboration,
        role: () => this.role,
        fetch: (path) => void this.#channel?.send({ t: 'fetch', path }).catch(() => undefined),
        onEvent: (event) => this.#emit(event),
        logger: this.#log,
        ...(parts.options.mirrorWriteDebounceMs !== undefined
          ? { writeDebounceMs: parts.options.mirrorWriteDebounceMs }
          : {}),
      });
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers attach to `done` later; a rejection must not count as unhandled meanwhile.
    this.done.catch(() => undefined);
    // Presence runs a timer; once the session is over for us, nothing may keep running.
    void this.done.catch(() => undefined).finally(() => this.collaboration.destroy());
  }

  leave(): void {
    this.#leaving = true;
    const channel = this.#channel;
    if (!channel || channel.closed) {
      this.#resolve('You left the session.');
      return;
    }
    void channel.send({ t: 'bye' }).catch(() => undefined);
    channel.close();
  }

  /**
   * Reads what an earlier run into the same mirror folder knew, so that changes made there
   * while Tandem was not running are kept (see MirrorSync.load). The session is named by the
   * link's session id and host fingerprint, which MirrorSync stores only hashed.
   */
  async loadMirror(): Promise<void> {
    await this.#sync?.load(`${this.#link.sessionId}#${this.#link.fingerprint}`);
  }

  /** Connects once and starts the protocol on the new connection. */
  async connect(session: SessionParameters): Promise<void> {
    const { socket, via } = await connectToHost({
      identity: this.#identity,
      fingerprint: this.#link.fingerprint,
      sessionId: session.sessionId,
      direct: session.direct,
      relayUrl: session.relayUrl,
      relayOnly: this.#options.relayOnly,
    });
    this.#log.info({ session: session.sessionId, via }, 'connected to the host');
    const channel = new MessageChannel<HostMessage, GuestMessage>(socket, {
      schema: hostMessageSchema,
    });
    this.#channel = channel;
    const sync = this.#sync;
    sync?.restart();
    this.tree.restart();
    let phase: 'hello' | 'waiting' | 'admitted' = 'hello';
    let outcome: Outcome;
    const helloTimer = setTimeout(() => channel.fail('handshake_timeout'), HOST_HELLO_TIMEOUT_MS);
    channel.onClose((error) => {
      clearTimeout(helloTimer);
      // A half-received file's temporary copy is removed before anyone is told we are done.
      void (sync?.close() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => this.#onClosed(outcome, error, phase === 'admitted'));
    });
    const handle = async (message: HostMessage, body: Buffer): Promise<void> => {
      switch (message.t) {
        case 'hello':
          if (phase !== 'hello') break;
          clearTimeout(helloTimer);
          if (message.protocol !== PROTOCOL_VERSION) throw ProtocolError.of('unsupported_protocol');
          this.#emit({ event: 'connected', via, sessionName: message.sessionName });
          this.#emit({ event: 'pin', pin: derivePin(socket), via });
          phase = 'waiting';
          return;
        case 'pending':
          if (phase !== 'waiting') break;
          this.#emit({ event: 'waiting' });
          return;
        case 'admitted':
          if (phase !== 'waiting') break;
          phase = 'admitted';
          this.role = message.role;
          this.collaboration.role = message.role;
          this.collaboration.attach(channel);
          this.#emit({ event: 'approved', role: message.role });
          // Without a mirror only the listing comes, for an editor to show the tree.
          await channel.send({ t: 'sync', contents: sync !== undefined });
          return;
        case 'role':
          if (phase !== 'admitted') break;
          this.role = message.role;
          this.collaboration.role = message.role;
          this.#emit({ event: 'role', role: message.role });
          return;
        case 'opened':
        case 'doc':
        case 'doc-gone':
        case 'awareness':
        case 'fs-result':
        case 'refused':
          if (phase !== 'admitted') break;
          await this.collaboration.handle(message, body);
          return;
        case 'ended':
          outcome = { kind: 'ended', reason: message.reason };
          this.#emit({ event: 'ended', reason: message.reason });
          channel.close();
          return;
        case 'error':
          outcome = { kind: 'failed', error: hostError(message.code, message.message) };
          if (message.code === 'denied')
            this.#emit({ event: 'denied', message: outcome.error.message });
          if (message.code === 'removed')
            this.#emit({ event: 'removed', message: outcome.error.message });
          channel.close();
          return;
        default: {
          if (phase !== 'admitted') break;
          this.tree.apply(message);
          if (!sync) return;
          const update = await sync.apply(message, body);
          if (update?.type === 'skipped') {
            this.#log.warn({ reason: update.reason }, 'skipped a file the mirror cannot write');
            this.#emit({ event: 'skipped', path: update.path, reason: update.reason });
          } else if (update?.type === 'synced') {
            // From now on, what the person changes in the mirror goes back to the host; after a
            // reconnect, first what they changed while apart.
            await this.#writeback?.start();
            this.#writeback?.resume();
            this.#emit({
              event: 'synced',
              files: update.files,
              bytes: update.bytes,
              dir: this.#mirror!.root,
            });
          } else if (update) {
            this.#emit({ event: 'changed', path: update.path, kind: update.type });
          }
          return;
        }
      }
      throw new ProtocolError(`"${message.t}" is not allowed now`, 'unexpected_message');
    };
    const acks = new AckCounter();
    channel.listen(async (message, body) => {
      try {
        await handle(message, body);
        const ack = acks.handled(body.length);
        if (ack && !channel.closed) await channel.send({ t: 'ack', ...ack });
      } catch (error) {
        // A failure here is ours (the local disk, a bug), not the connection's: reconnecting
        // would only repeat it, so it ends the session with its reason.
        if (error instanceof ProtocolError) throw error;
        this.#log.error({ err: error }, 'could not handle a message from the host');
        const reason = error instanceof Error ? error.message : String(error);
        throw new ProtocolError(reason, 'internal', { cause: error });
      }
    });
    await channel.send({ t: 'hello', protocol: PROTOCOL_VERSION, name: this.#options.name });
  }

  #onClosed(outcome: Outcome, error: Error | undefined, wasAdmitted: boolean): void {
    const finished =
      outcome !== undefined || this.#leaving || !wasAdmitted || error instanceof ProtocolError;
    if (finished) void this.#writeback?.close();
    // Until the next snapshot is in, mirror changes wait: sent now, they would go nowhere or
    // race the snapshot that MirrorSync sorts them against.
    else this.#writeback?.pause();
    if (outcome?.kind === 'ended') this.#resolve(outcome.reason);
    else if (outcome?.kind === 'failed') this.#reject(outcome.error);
    else if (this.#leaving) this.#resolve('You left the session.');
    else if (wasAdmitted && !(error instanceof ProtocolError)) void this.#reconnect(error);
    else this.#reject(wrapClose(error));
  }

  /**
   * Comes back after a lost connection, with backoff, for as long as the lobby says the
   * session lives. The same certificate makes the host readmit us with our role. A session
   * the lobby reports as ended ends cleanly; one it no longer knows (it restarted) is a
   * failure, since nobody ended it and the person must get a new link.
   */
  async #reconnect(cause: Error | undefined): Promise<void> {
    const schedule = new ReconnectSchedule({
      giveUpMs: this.#options.reconnectGiveUpMs ?? RECONNECT_GIVE_UP_MS,
    });
    this.#log.info({ reason: cause?.message }, 'connection lost; reconnecting');
    for (;;) {
      const delayMs = schedule.next();
      if (delayMs === undefined) {
        this.#reject(
          new Error('The connection to the host was lost and could not be restored.', { cause }),
        );
        return;
      }
      this.#emit({ event: 'reconnecting', attempt: schedule.attempts, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.#leaving) {
        this.#resolve('You left the session.');
        return;
      }
      try {
        const session = await lookupSession(this.#link.lobbyUrl, this.#link.sessionId);
        await this.connect(session);
        return;
      } catch (error) {
        if (error instanceof SessionEndedError) {
          this.#emit({ event: 'ended', reason: 'The session has ended.' });
          this.#resolve('The session has ended.');
          return;
        }
        if (error instanceof UnknownSessionError) {
          this.#log.info('the lobby no longer knows the session');
          const forgotten = new SessionForgottenError(this.#link.lobbyUrl, { cause: error });
          // Data-loss path: what the person changed in the mirror while apart is still there.
          if (this.#mirror) {
            forgotten.message +=
              ` Changes made in ${this.#mirror.root} since the connection was lost did not ` +
              'reach the host; they are still in that folder.';
          }
          this.#reject(forgotten);
          return;
        }
        if (error instanceof IdentityMismatchError) {
          this.#reject(error);
          return;
        }
        this.#log.debug({ err: error }, 'reconnect attempt failed');
      }
    }
  }

  #emit(event: GuestEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch (error) {
      this.#log.error({ err: error }, 'event listener failed');
    }
  }
}

async function openMirrorFolder(dir: string): Promise<Mirror> {
  try {
    return await openMirror(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new Error(
      `Cannot use ${dir} as the mirror folder (${code}); give the path of a new or empty folder.`,
      {
        cause: error,
      },
    );
  }
}

function hostError(code: keyof typeof WIRE_ERRORS, message: string): Error {
  if (code === 'denied' || code === 'removed') return new DeniedError(WIRE_ERRORS[code]);
  return new Error(`The host closed the connection: ${message}`);
}

function wrapClose(error: Error | undefined): Error {
  if (error instanceof ProtocolError) return error;
  return new Error('The connection to the host was lost.', { cause: error });
}

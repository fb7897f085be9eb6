import { silentLogger, type Logger } from '../log.js';
import { lookupSession } from '../lobby/client.js';
import { MessageChannel } from '../protocol/channel.js';
import { WIRE_ERRORS } from '../protocol/close-codes.js';
import { DeniedError, ProtocolError } from '../protocol/errors.js';
import { hostMessageSchema, PROTOCOL_VERSION, type GuestMessage, type HostMessage } from '../protocol/messages.js';
import { createIdentity } from '../security/identity.js';
import { parseJoinLink } from '../security/link.js';
import { derivePin } from '../security/pin.js';
import { openMirror } from '../workspace/index.js';
import { connectToHost } from './connector.js';
import type { GuestEvent } from './events.js';
import { MirrorSync } from './mirror-sync.js';

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
  onEvent?: (event: GuestEvent) => void;
  logger?: Logger;
}

/** A guest in a session. */
export interface GuestAgent {
  /** Settles with the host's reason when the session ends cleanly; rejects on any failure. */
  readonly done: Promise<string>;
  /** Leaves the session. */
  leave(): void;
}

type Phase = 'hello' | 'waiting' | 'admitted';

/**
 * Joins a session (DESIGN.md, "Joining, step by step", the guest's side). Resolves once the
 * connection to the host is verified; everything after (PIN, approval, mirror) arrives as
 * events and through {@link GuestAgent.done}.
 */
export async function joinSession(options: JoinOptions): Promise<GuestAgent> {
  const link = parseJoinLink(options.link);
  const log = options.logger ?? silentLogger;
  const emit = (event: GuestEvent): void => options.onEvent?.(event);
  // Only the session id goes to the lobby; the fingerprint stays here.
  const session = await lookupSession(link.lobbyUrl, link.sessionId);
  const identity = await createIdentity('tandem-guest');
  const { socket, via } = await connectToHost({
    identity,
    fingerprint: link.fingerprint,
    sessionId: session.sessionId,
    direct: session.direct,
    relayUrl: session.relayUrl,
    relayOnly: options.relayOnly,
  });
  log.info({ session: session.sessionId, via }, 'connected to the host');
  const channel = new MessageChannel<HostMessage, GuestMessage>(socket, { schema: hostMessageSchema });
  const mirror = options.mirrorDir ? new MirrorSync(await openMirror(options.mirrorDir)) : undefined;
  let phase: Phase = 'hello';
  let endReason: string | undefined;
  let failure: Error | undefined;
  const helloTimer = setTimeout(() => channel.fail('handshake_timeout'), HOST_HELLO_TIMEOUT_MS);

  const done = new Promise<string>((resolve, reject) => {
    channel.onClose((error) => {
      clearTimeout(helloTimer);
      void mirror?.close();
      if (endReason !== undefined) resolve(endReason);
      else reject(failure ?? wrapClose(error));
    });
  });
  // Callers attach to `done` later; the rejection must not count as unhandled meanwhile.
  done.catch(() => undefined);

  channel.listen(async (message, body) => {
    switch (message.t) {
      case 'hello':
        if (phase !== 'hello') break;
        clearTimeout(helloTimer);
        if (message.protocol !== PROTOCOL_VERSION) throw ProtocolError.of('unsupported_protocol');
        emit({ event: 'connected', via, sessionName: message.sessionName });
        emit({ event: 'pin', pin: derivePin(socket), via });
        phase = 'waiting';
        return;
      case 'pending':
        if (phase !== 'waiting') break;
        emit({ event: 'waiting' });
        return;
      case 'admitted':
        if (phase !== 'waiting') break;
        phase = 'admitted';
        emit({ event: 'approved', role: message.role });
        if (mirror) await channel.send({ t: 'sync' });
        return;
      case 'ended':
        endReason = message.reason;
        emit({ event: 'ended', reason: message.reason });
        channel.close();
        return;
      case 'error':
        if (message.code === 'denied' || message.code === 'removed') {
          failure = new DeniedError(WIRE_ERRORS[message.code]);
          if (message.code === 'denied') emit({ event: 'denied', message: failure.message });
        } else {
          failure = new Error(`The host closed the connection: ${message.message}`);
        }
        channel.close();
        return;
      default: {
        if (phase !== 'admitted' || !mirror) break;
        const update = await mirror.apply(message, body);
        if (update?.type === 'synced') {
          emit({ event: 'synced', files: update.files, bytes: update.bytes, dir: options.mirrorDir! });
        } else if (update) {
          emit({ event: 'changed', path: update.path, kind: update.type });
        }
        return;
      }
    }
    throw new ProtocolError(`"${message.t}" is not allowed now`, 'unexpected_message');
  });

  await channel.send({ t: 'hello', protocol: PROTOCOL_VERSION, name: options.name });
  return {
    done,
    leave: () => {
      if (channel.closed) return;
      endReason = 'You left the session.';
      void channel.send({ t: 'bye' }).catch(() => undefined);
      channel.close();
    },
  };
}

function wrapClose(error: Error | undefined): Error {
  if (error instanceof ProtocolError) return error;
  return new Error('The connection to the host was lost.', { cause: error });
}

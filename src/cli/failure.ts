import {
  DeniedError,
  IdentityMismatchError,
  LobbyUnreachableError,
  SessionEndedError,
  UnknownSessionError,
} from '../protocol/errors.js';
import { InvalidLinkError } from '../security/link.js';
import { EXIT, printable, type Output } from './output.js';

/**
 * Reports a failure as one line on stderr (and an `error` event in `--json` mode) and
 * returns the exit code that names its kind.
 */
export function reportFailure(error: unknown, output: Output): number {
  const system = explainSystemError(error);
  const message = system ?? (error instanceof Error ? error.message : String(error));
  output.event({ event: 'error', message });
  process.stderr.write(`tandem: ${printable(message).replace(/\n/g, ' ')}\n`);
  if (process.env.TANDEM_DEBUG && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ''}\n`);
    if (error.cause)
      process.stderr.write(`cause: ${String((error.cause as Error).stack ?? error.cause)}\n`);
  }
  if (error instanceof DeniedError) return EXIT.denied;
  if (error instanceof IdentityMismatchError) return EXIT.identityMismatch;
  if (error instanceof UnknownSessionError || error instanceof SessionEndedError)
    return EXIT.sessionGone;
  if (error instanceof LobbyUnreachableError) return EXIT.lobbyUnreachable;
  if (error instanceof InvalidLinkError || error instanceof UsageError) return EXIT.usage;
  if (system) return EXIT.usage;
  return EXIT.failure;
}

/** A mistake in what the user asked for (a missing folder, say): exit code 2. */
export class UsageError extends Error {}

/**
 * Says what to do about the errors a listening server meets when its address or port was
 * badly chosen, instead of Node's bare `listen EADDRINUSE …`. Undefined for anything else.
 */
function explainSystemError(error: unknown): string | undefined {
  const { code, syscall, address, port, hostname } = (error ?? {}) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
    hostname?: string;
  };
  const where = address === undefined ? 'that address' : `${address}:${port ?? ''}`;
  if (syscall === 'listen' && code === 'EADDRINUSE') {
    return (
      `${where} is already in use (another Tandem?); choose another port with --port, ` +
      'or 0 for any free one.'
    );
  }
  if (syscall === 'listen' && code === 'EADDRNOTAVAIL') {
    return (
      `${address ?? 'That address'} is not an address of this machine; choose one it has ` +
      '(or 0.0.0.0 for all).'
    );
  }
  if (syscall === 'getaddrinfo' && (code === 'ENOTFOUND' || code === 'EAI_AGAIN')) {
    return (
      `Cannot resolve "${hostname ?? ''}" to an address of this machine; give an IP ` +
      'address to listen on.'
    );
  }
  return undefined;
}

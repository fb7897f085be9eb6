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
  const message = error instanceof Error ? error.message : String(error);
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
  if (error instanceof InvalidLinkError) return EXIT.usage;
  return EXIT.failure;
}

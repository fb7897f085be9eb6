import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createLogger } from '../log.js';
import { joinSession, type GuestAgent } from '../guest/agent.js';
import type { GuestEvent } from '../guest/events.js';
import { reportFailure } from './failure.js';
import { EXIT, type Output } from './output.js';

/** Options of `tandem join`, as parsed by the CLI. */
export interface JoinCommandOptions {
  name?: string;
  relayOnly?: boolean;
  mirror?: string;
  json?: boolean;
}

/** Runs `tandem join`: joins the session behind LINK until it ends. Returns the exit code. */
export async function runJoin(
  link: string,
  options: JoinCommandOptions,
  output: Output,
): Promise<number> {
  const logger = createLogger({ name: 'guest', level: process.env.TANDEM_LOG_LEVEL ?? 'warn' });
  let guest: GuestAgent | undefined;
  const leave = (): void => {
    // Before a connection exists there is nothing to leave cleanly: stop at once.
    if (!guest) process.exit(130);
    guest.leave();
  };
  process.once('SIGINT', leave);
  process.once('SIGTERM', leave);
  try {
    output.say('Connecting…');
    guest = await joinSession({
      link,
      name: options.name ?? defaultName(),
      relayOnly: options.relayOnly,
      mirrorDir: options.mirror && resolve(options.mirror),
      logger,
      onEvent: (event) => output.event(event, describe(event)),
    });
    await guest.done;
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, output);
  } finally {
    process.off('SIGINT', leave);
    process.off('SIGTERM', leave);
  }
}

function defaultName(): string {
  try {
    return `${userInfo().username}@${hostname()}`.slice(0, 64);
  } catch {
    return 'guest';
  }
}

function describe(event: GuestEvent): string | undefined {
  switch (event.event) {
    case 'connected':
      return `Connected to "${event.sessionName}" (${event.via}); the host's identity matches the link.`;
    case 'pin':
      return `\n  PIN: ${event.pin}\n\nRead this PIN to the host; they must see the same one before admitting you.`;
    case 'waiting':
      return 'Waiting for the host to approve…';
    case 'approved':
      return `Approved as ${event.role}.`;
    case 'role':
      return `The host changed your role to ${event.role}.`;
    case 'removed':
    case 'denied':
      return undefined;
    case 'sent':
      return `  sent ${event.kind === 'edit' ? 'edit to' : event.kind} ${event.path}`;
    case 'reverted':
      return `  put back ${event.path}: ${event.message}`;
    case 'skipped':
      return `  skipped ${event.path}: ${event.reason}`;
    case 'doc-gone':
      return `  ${event.path} was ${event.reason === 'deleted' ? 'deleted' : `closed (${event.reason})`} on the host; your copy is kept.`;
    case 'refused':
      return `tandem: the host refused a change${event.path ? ` to ${event.path}` : ''}: ${event.message}`;
    case 'presence':
      return undefined;
    case 'reconnecting':
      return `Connection lost; reconnecting (attempt ${event.attempt})…`;
    case 'synced':
      return `Mirror is up to date: ${event.files} files, ${formatBytes(event.bytes)} in ${event.dir}. Following changes; Ctrl-C to leave.`;
    case 'changed':
      return `  ${event.kind === 'removed' ? 'removed' : 'updated'} ${event.path}`;
    case 'ended':
      return `Session ended: ${event.reason}`;
    case 'error':
      return undefined;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

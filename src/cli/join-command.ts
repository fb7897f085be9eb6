import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createLogger } from '../log.js';
import { joinSession, type GuestAgent } from '../guest/agent.js';
import type { GuestEvent } from '../guest/events.js';
import { GuestBackend } from '../ui/guest-backend.js';
import type { UiServer } from '../ui/server.js';
import { reportFailure } from './failure.js';
import { serveUi, UI_LINGER_MS, type UiFlags } from './ui.js';
import { EXIT, type Output } from './output.js';

/** Options of `tandem join`, as parsed by the CLI. */
export interface JoinCommandOptions extends UiFlags {
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
  let ui: UiServer | undefined;
  const name = options.name ?? defaultName();
  const backend = new GuestBackend({ name });
  let toldEnded = false;
  const leave = (): void => {
    // Before a connection exists there is nothing to leave cleanly: stop at once.
    if (!guest) process.exit(130);
    guest.leave();
  };
  process.once('SIGINT', leave);
  process.once('SIGTERM', leave);
  try {
    // The page comes first, so that it can show the PIN while the host decides.
    ui = await serveUi(backend, options, { output, logger });
    output.say('Connecting…');
    guest = await joinSession({
      link,
      name,
      relayOnly: options.relayOnly,
      mirrorDir: options.mirror && resolve(options.mirror),
      logger,
      onEvent: (event) => {
        if (event.event === 'ended') toldEnded = true;
        output.event(event, describe(event));
        backend.onEvent(event);
      },
    });
    backend.attach(guest);
    const reason = await guest.done;
    // Leaving (Ctrl-C, or Leave in the editor) ends the session for us too; scripts see it.
    if (!toldEnded) output.event({ event: 'ended', reason }, reason);
    backend.finish(reason);
    return EXIT.ok;
  } catch (error) {
    backend.finish(error instanceof Error ? error.message : String(error));
    return reportFailure(error, output);
  } finally {
    // A moment for the page to show why the session is over before its server goes.
    if (ui?.pages()) await new Promise((resolve) => setTimeout(resolve, UI_LINGER_MS));
    await ui?.close();
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
    case 'summoned':
      return `${event.name} asks everyone to follow them.`;
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

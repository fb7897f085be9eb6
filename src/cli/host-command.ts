import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger } from '../log.js';
import { startHost, type HostAgent } from '../host/agent.js';
import { isWildcard, primaryAddress } from '../host/addresses.js';
import type { HostEvent } from '../host/events.js';
import { createLobbyServer, DEFAULT_LOBBY_PORT, type LobbyServer } from '../lobby/index.js';
import { ROLES, type Role } from '../protocol/messages.js';
import { HostBackend } from '../ui/host-backend.js';
import type { UiServer } from '../ui/server.js';
import { reportFailure, UsageError } from './failure.js';
import { serveUi, UI_LINGER_MS, type UiFlags } from './ui.js';
import { EXIT, type Output } from './output.js';

/** Options of `tandem host`, as parsed by the CLI. */
export interface HostCommandOptions extends UiFlags {
  lobby?: string;
  name?: string;
  relayOnly?: boolean;
  approve: 'ask' | 'auto';
  role: Role;
  json?: boolean;
  listen: string;
  port?: string;
  publicUrl?: string;
}

/** Runs `tandem host`: shares DIR until the session ends. Returns the exit code. */
export async function runHost(
  dir: string,
  options: HostCommandOptions,
  output: Output,
): Promise<number> {
  const logger = createLogger({ name: 'host', level: process.env.TANDEM_LOG_LEVEL ?? 'warn' });
  let lobby: LobbyServer | undefined;
  let agent: HostAgent | undefined;
  let ui: UiServer | undefined;
  let backend: HostBackend | undefined;
  // Installed before anything starts, so Ctrl-C during start-up still ends cleanly.
  let stopRequested = false;
  const stop = (): void => {
    stopRequested = true;
    void agent?.end();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    // What the user got wrong is said before anything starts, not after a link was printed.
    await checkFolder(dir);
    await checkUiPort(options);
    let lobbyUrl = options.lobby;
    if (!lobbyUrl) {
      lobby = await startEmbeddedLobby(options);
      lobbyUrl = lobby.url;
      output.say(
        `Embedded lobby and relay listening on ${options.listen}:${new URL(lobby.url).port}`,
      );
    }
    const requests = new Map<string, HostEvent & { event: 'join-request' }>();
    const name = options.name ?? defaultName();
    agent = await startHost({
      dir,
      lobbyUrl,
      name,
      relayOnly: options.relayOnly,
      listenHost: options.listen,
      approve: options.approve,
      role: options.role,
      logger,
      onEvent: (event) => {
        if (event.event === 'join-request') requests.set(event.id, event);
        else if ('id' in event) requests.delete(event.id);
        output.event(event, describe(event, options));
        backend?.onEvent(event);
      },
    });
    backend = new HostBackend(agent, { name });
    ui = await serveUi(backend, options, { output, logger });
    output.say(`Sharing ${resolve(dir)}. Press Ctrl-C to end the session.`);
    if (stopRequested) void agent.end();
    const input = readCommands(agent, requests, options, output);
    await agent.ended;
    input.close();
    return EXIT.ok;
  } catch (error) {
    await agent?.end().catch(() => undefined);
    return reportFailure(error, output);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (ui?.pages()) await new Promise((resolve) => setTimeout(resolve, UI_LINGER_MS));
    await ui?.close();
    await lobby?.close();
  }
}

async function checkFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UsageError(
      `Cannot share ${dir}: ${info ? 'it is not a folder' : 'there is no such folder'}. ` +
        'Give the path of a folder to share.',
    );
  }
}

/** A taken `--ui-port` fails now, before a session is registered that would end at once. */
async function checkUiPort(options: HostCommandOptions): Promise<void> {
  if (options.ui === false || options.uiPort === undefined || Number(options.uiPort) === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(Number(options.uiPort), '127.0.0.1', resolve);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new UsageError(
      `Port ${options.uiPort} for the editor is taken; choose another with --ui-port, or 0.`,
    );
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

async function startEmbeddedLobby(options: HostCommandOptions): Promise<LobbyServer> {
  const start = (port: number): Promise<LobbyServer> =>
    createLobbyServer({
      host: options.listen,
      port,
      publicUrl: options.publicUrl,
      // On a wildcard address, links name this machine's LAN address so guests elsewhere can
      // use them; on a specific address, that address.
      publicHost: isWildcard(options.listen) ? (primaryAddress() ?? '127.0.0.1') : options.listen,
      logger: createLogger({ name: 'lobby', level: process.env.TANDEM_LOG_LEVEL ?? 'warn' }),
    });
  if (options.port !== undefined) return start(Number(options.port));
  try {
    return await start(DEFAULT_LOBBY_PORT);
  } catch (error) {
    // The default port being taken (say, by another Tandem) is no reason to fail.
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return start(0);
  }
}

function defaultName(): string {
  try {
    return userInfo().username || 'host';
  } catch {
    return 'host';
  }
}

function describe(event: HostEvent, options: HostCommandOptions): string | undefined {
  switch (event.event) {
    case 'link':
      return `\nJoin link (send it to your guest over a channel you trust):\n\n  ${event.link}\n\nGuests run: tandem join '${event.link}'\n`;
    case 'join-request':
      return [
        ``,
        `Join request from "${event.name}" (${event.via})`,
        `  PIN:          ${event.pin}    <- ask ${event.name} to read their PIN aloud; it must match`,
        `  Fingerprint:  ${event.fingerprint}`,
        options.json
          ? ''
          : `Admit ${event.name}? [r]ead-only, [e]dit, [f]ull, [d]eny — or "approve ${event.id} ROLE" / "deny ${event.id}": `,
      ].join('\n');
    case 'joined':
      return `${event.name} joined as ${event.role} (id ${event.id}, ${event.via}${event.readmitted ? ', readmitted' : ''}).`;
    case 'denied':
      return `${event.name} was denied.`;
    case 'role':
      return `${event.name} is now ${event.role}.`;
    case 'removed':
      return `${event.name} was removed; if they come back you will be asked again.`;
    case 'left':
      return `${event.name} left.`;
    case 'ended':
      return `Session ended: ${event.reason}`;
    case 'summon':
      return 'You asked everyone to follow you.';
    case 'presence':
      return undefined;
    case 'relay-lost':
    case 'lobby-lost':
      return `tandem: ${event.message}`;
    case 'relay-restored':
      return 'Reconnected to the relay; guests can join through the link again.';
  }
}

/**
 * Reads the host's decisions from stdin: `approve ID [ROLE]`, `deny ID`, `end`, and in the
 * interactive form a bare answer (`r`, `e`, `f`, `d`) for the oldest waiting request.
 */
function readCommands(
  host: HostAgent,
  requests: Map<string, { id: string; name: string }>,
  options: HostCommandOptions,
  output: Output,
): { close(): void } {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (raw) => {
    const [command = '', ...args] = raw.trim().split(/\s+/);
    const answer = shortAnswer(command);
    if (answer !== undefined && args.length === 0) {
      // A bare answer is only safe when exactly one guest waits: with two, it could admit
      // someone other than the guest whose PIN was just checked.
      const [only, ...others] = requests.keys();
      if (only === undefined) return complain(output, 'no guest is waiting for approval');
      if (others.length > 0) {
        const waiting = [...requests.values()].map((r) => `${r.id} "${r.name}"`).join(', ');
        return complain(
          output,
          `${others.length + 1} guests are waiting (${waiting}); answer with "approve ID [ROLE]" or "deny ID"`,
        );
      }
      if (answer === 'deny') host.deny(only);
      else host.approve(only, answer === 'default' ? options.role : answer);
      return;
    }
    switch (command) {
      case '':
        return;
      case 'approve': {
        const [id = '', role = options.role] = args;
        if (!isRole(role))
          return complain(output, `unknown role "${role}"; use ${ROLES.join(', ')}`);
        if (!host.approve(id, role)) complain(output, `no join request with id "${id}" is waiting`);
        return;
      }
      case 'deny':
        if (!host.deny(args[0] ?? ''))
          complain(output, `no join request with id "${args[0] ?? ''}" is waiting`);
        return;
      case 'role': {
        const [id = '', role = ''] = args;
        if (!isRole(role))
          return complain(output, `unknown role "${role}"; use ${ROLES.join(', ')}`);
        if (!host.setRole(id, role)) complain(output, `no guest with id "${id}" is in the session`);
        return;
      }
      case 'kick':
        if (!args[0]) return complain(output, 'say which guest: kick ID (ids are g1, g2…)');
        if (!host.remove(args[0]))
          complain(output, `no guest with id "${args[0]}" is in the session`);
        return;
      case 'guests':
      case 'list':
        return output.event({ event: 'guests', ...host.guests() }, listGuests(host));
      case 'help':
      case '?':
        return output.say(COMMANDS_HELP);
      case 'summon':
        host.summon();
        return;
      case 'end':
        void host.end();
        return;
      default:
        complain(output, `unknown command "${command}"; type "help" for the list`);
    }
  });
  return lines;
}

/** What the host can type while the session runs. */
const COMMANDS_HELP = [
  'Commands:',
  '  approve ID [ROLE]   admit a waiting guest (ROLE: read-only, edit or full)',
  '  deny ID             turn a waiting guest away',
  "  role ID ROLE        change a guest's role",
  '  kick ID             remove a guest (asked about again if it comes back)',
  '  guests              list who is here, with ids and roles',
  '  summon              ask everyone to follow you',
  '  end                 end the session for everyone',
].join('\n');

function listGuests(host: HostAgent): string {
  const { admitted, waiting } = host.guests();
  if (admitted.length + waiting.length === 0) return 'No guests yet.';
  return [
    ...admitted.map((g) => `  ${g.id}  ${g.name}  ${g.role}  (${g.via})`),
    ...waiting.map((g) => `  ${g.id}  ${g.name}  waiting, PIN ${g.pin}  (${g.via})`),
  ].join('\n');
}

function shortAnswer(word: string): Role | 'deny' | 'default' | undefined {
  switch (word.toLowerCase()) {
    case 'r':
    case 'read-only':
      return 'read-only';
    case 'e':
    case 'edit':
      return 'edit';
    case 'f':
    case 'full':
      return 'full';
    case 'y':
    case 'yes':
      return 'default';
    case 'd':
    case 'n':
    case 'no':
      return 'deny';
    default:
      return undefined;
  }
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

function complain(output: Output, message: string): void {
  output.event({ event: 'error', message }, `tandem: ${message}`);
}

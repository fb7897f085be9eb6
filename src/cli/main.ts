#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES } from '../protocol/messages.js';
import type { HostCommandOptions } from './host-command.js';
import type { JoinCommandOptions } from './join-command.js';
import type { LobbyCommandOptions } from './lobby-command.js';
import { createOutput, EXIT } from './output.js';

const HOST_EXIT_CODES = `
Exit codes:
  0  the session ended cleanly        1  other failure
  2  bad usage (a missing folder, a taken port)    6  lobby unreachable`;

const JOIN_EXIT_CODES = `
Exit codes:
  0  the session ended cleanly
  1  other failure        2  bad usage or link      3  denied or removed by the host
  4  host identity does not match the link (possible impersonation)
  5  unknown or ended session                        6  lobby unreachable`;

const LOBBY_EXIT_CODES = `
Exit codes:
  0  stopped by Ctrl-C or SIGTERM     1  other failure
  2  bad usage (an address this machine does not have, a taken port)`;

function port(value: string): string {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  }
  return value;
}

function url(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  }
  return value.replace(/\/+$/, '');
}

/** Builds the `tandem` command line. Exported for tests of the parser. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('tandem')
    .description(
      'Secure pair programming: share a folder over end-to-end TLS 1.3, PIN and host approval.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride((error) => {
      // Help and version exit 0; a usage error exits 2 after commander printed the reason.
      process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
    });

  program
    .command('host')
    .description('Share a folder: print a join link and admit guests after checking their PIN.')
    .argument('[dir]', 'folder to share', '.')
    .option(
      '--lobby <url>',
      'lobby to register with (default: run an embedded lobby and relay)',
      url,
    )
    .option('--name <name>', 'your name, shown to guests')
    .option('--relay-only', 'accept guests only through the relay; open no direct listener')
    .addOption(
      new Option('--approve <mode>', 'ask for every guest, or admit all automatically')
        .choices(['ask', 'auto'])
        .default('ask'),
    )
    .addOption(
      new Option('--role <role>', 'role for admitted guests when none is chosen')
        .choices([...ROLES])
        .default('read-only'),
    )
    .option('--json', 'print one JSON event per line on stdout; read approve/deny/end on stdin')
    .option('--listen <addr>', 'address for the direct listener and the embedded lobby', '0.0.0.0')
    .option('--port <n>', 'port of the embedded lobby, default 8787 (0: any free port)', port)
    .option('--public-url <url>', 'address guests use to reach the embedded lobby', url)
    .option('--no-open', "print the editor's address instead of opening a browser")
    .option('--ui-port <n>', 'port of the editor page on 127.0.0.1 (default: any free port)', port)
    .option('--no-ui', 'serve no editor page (terminal only)')
    .addHelpText(
      'after',
      `
Approving: on the terminal, answer r (read-only), e (edit), f (full) or d (deny) once the
guest has read you the same PIN. While the session runs, type "role ID ROLE" to change a
guest's role, "kick ID" to remove a guest, "guests" to list them, "summon" to have everyone
follow you, "end" to end the session and "help" for this list. With --json the same lines
drive it, plus "approve ID [ROLE]" and "deny ID".

The editor: Tandem serves a browser editor on 127.0.0.1 and opens it (with --json, or
--no-open, it prints the address instead; the address carries a per-run token).
${HOST_EXIT_CODES}`,
    )
    .action(async (dir: string, options: HostCommandOptions) => {
      // Commands load their modules on use, so `--help` and usage errors answer at once.
      const { runHost } = await import('./host-command.js');
      setExitCode(await runHost(dir, options, createOutput(Boolean(options.json))));
    });

  program
    .command('join')
    .description('Join a session from its link; optionally mirror the shared folder locally.')
    .argument('<link>', 'the join link, in quotes: http://…/j/<id>#<fingerprint>')
    .option('--name <name>', 'your name, shown to the host')
    .option('--relay-only', 'connect only through the relay')
    .option(
      '--mirror <dir>',
      'keep this local folder equal to the shared folder (two-way with the edit role)',
    )
    .option('--json', 'print one JSON event per line on stdout')
    .option('--no-open', "print the editor's address instead of opening a browser")
    .option('--ui-port <n>', 'port of the editor page on 127.0.0.1 (default: any free port)', port)
    .option('--no-ui', 'serve no editor page (terminal only)')
    .addHelpText(
      'after',
      `
The editor: Tandem serves a browser editor on 127.0.0.1 and opens it (with --json, or
--no-open, it prints the address instead; the address carries a per-run token).
${JOIN_EXIT_CODES}`,
    )
    .action(async (link: string, options: JoinCommandOptions) => {
      const { runJoin } = await import('./join-command.js');
      setExitCode(await runJoin(link, options, createOutput(Boolean(options.json))));
    });

  program
    .command('lobby')
    .description('Run a lobby server with an embedded relay.')
    .option('--host <addr>', 'address to listen on', '0.0.0.0')
    .option('--port <n>', 'port to listen on, default 8787 (0: any free port)', port)
    .option(
      '--public-url <url>',
      'address that links and relay URLs are built from (behind a proxy)',
      url,
    )
    .option('--json', 'print one JSON event per line on stdout')
    .addHelpText('after', LOBBY_EXIT_CODES)
    .action(async (options: LobbyCommandOptions & { json?: boolean }) => {
      const { runLobby } = await import('./lobby-command.js');
      setExitCode(await runLobby(options, createOutput(Boolean(options.json))));
    });

  return program;
}

// Run through `npm start` or `npm run tandem`, paths are meant from where the user typed the
// command, not from the package folder that npm switches to.
if (process.env.npm_lifecycle_event && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

let exitCode = 0;
await buildProgram((code) => (exitCode = code)).parseAsync(process.argv);
// Exit explicitly: a lingering keep-alive socket must not keep a finished command alive.
process.exit(exitCode);

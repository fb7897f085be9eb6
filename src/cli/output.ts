/**
 * How a command talks to its user: human lines, or with `--json` one JSON object per line on
 * stdout, each with an `event` field, for scripts.
 */
export interface Output {
  readonly json: boolean;
  /** Reports an event: printed as JSON in `--json` mode, otherwise by `human`. */
  event(event: { event: string } & Record<string, unknown>, human?: string): void;
  /** A line for people only; dropped in `--json` mode. */
  say(line: string): void;
}

/** Creates the output for one command run. */
export function createOutput(json: boolean): Output {
  let readerGone = false;
  // Whatever reads our output (`| head`, `| tee` on Ctrl-C) may go away first. That ends
  // nothing: the session goes on, or finishes cleanly, with nobody reading what it says.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  const write = (line: string): void => {
    if (!readerGone) process.stdout.write(`${line}\n`);
  };
  return {
    json,
    event(event, human) {
      if (json) write(JSON.stringify(event));
      else if (human !== undefined) write(printable(human));
    },
    say(line) {
      if (!json) write(printable(line));
    },
  };
}

/**
 * Text safe for a terminal: control and format characters other than line breaks become
 * U+FFFD, so nothing a peer sends (a name, a reason) can move the cursor or forge a line.
 */
export function printable(text: string): string {
  return text.replace(/(?!\n)[\p{Cc}\p{Cf}]/gu, '\uFFFD');
}

/** Exit codes, so scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  denied: 3,
  identityMismatch: 4,
  sessionGone: 5,
  lobbyUnreachable: 6,
} as const;

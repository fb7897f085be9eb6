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
  return {
    json,
    event(event, human) {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
      else if (human !== undefined) process.stdout.write(`${printable(human)}\n`);
    },
    say(line) {
      if (!json) process.stdout.write(`${printable(line)}\n`);
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

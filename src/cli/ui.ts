import open from 'open';
import type { Logger } from '../log.js';
import type { UiBackend } from '../ui/backend.js';
import { startUiServer, type UiServer } from '../ui/server.js';
import type { Output } from './output.js';

/** How long an open page stays served after the session ended, to show why it ended. */
export const UI_LINGER_MS = 1500;

/** The browser UI options shared by `tandem host` and `tandem join`. */
export interface UiFlags {
  /** False with `--no-ui`. */
  ui?: boolean;
  /** False with `--no-open`. */
  open?: boolean;
  uiPort?: string;
}

/**
 * Serves the agent's editor page on 127.0.0.1 and opens the default browser at it, unless told
 * not to (`--no-open`, or `--json`, which is for scripts). The address carries the run's token,
 * so it goes only to this terminal or the `ui` event, never to a log.
 */
export async function serveUi(
  backend: UiBackend,
  flags: UiFlags,
  context: { output: Output; logger: Logger },
): Promise<UiServer | undefined> {
  if (flags.ui === false) return undefined;
  const server = await startUiServer({
    backend,
    port: flags.uiPort === undefined ? 0 : Number(flags.uiPort),
    logger: context.logger,
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${flags.uiPort} for the editor is taken; choose another with --ui-port, or 0.`,
        { cause: error },
      );
    }
    throw error;
  });
  const opening = flags.open !== false && !context.output.json && hasDisplay();
  context.output.event(
    { event: 'ui', url: server.url },
    `Editor: ${server.url}${opening ? '  (opening it in your browser)' : ''}`,
  );
  if (opening) {
    await open(server.url).catch(() =>
      context.output.say('Could not open a browser; open the editor address above yourself.'),
    );
  }
  return server;
}

/** Whether a browser window can appear: not over SSH or in a container without a display. */
function hasDisplay(): boolean {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

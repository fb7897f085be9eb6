import { createLogger } from '../log.js';
import { createLobbyServer } from '../lobby/index.js';
import { reportFailure } from './failure.js';
import { EXIT, type Output } from './output.js';

/** Options of `tandem lobby`, as parsed by the CLI. */
export interface LobbyCommandOptions {
  host: string;
  port?: string;
  publicUrl?: string;
}

/** Runs `tandem lobby` until SIGINT or SIGTERM. Returns the exit code. */
export async function runLobby(options: LobbyCommandOptions, output: Output): Promise<number> {
  try {
    const lobby = await createLobbyServer({
      host: options.host,
      port: options.port === undefined ? undefined : Number(options.port),
      publicUrl: options.publicUrl,
      logger: createLogger({ name: 'lobby' }),
    });
    output.event(
      { event: 'listening', url: lobby.url, publicUrl: lobby.publicUrl },
      `Tandem lobby and relay listening on ${lobby.url}\nLinks and relay addresses use ${lobby.publicUrl}\nHosts run: tandem host DIR --lobby ${lobby.publicUrl}`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await lobby.close();
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, output);
  }
}

import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Options for {@link createLogger}. */
export interface LoggerConfig {
  /** Minimum level written; `silent` turns logging off. Defaults to `TANDEM_LOG_LEVEL` or `info`. */
  level?: string;
  /** Name put on every line, such as `lobby` or `host`. */
  name: string;
}

/**
 * The one logger used by servers and agents. Lines go to stderr as JSON so that stdout stays
 * free for `--json` events. Keys that could carry secrets are censored as a second line of
 * defence; callers must still never pass tokens, keys, fingerprints or file contents.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? process.env.TANDEM_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', 'hostToken', 'authorization', 'fingerprint', '*.token', '*.hostToken'],
      censor: '[redacted]',
    },
  };
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** A logger that writes nothing, for library callers and tests that do not care. */
export const silentLogger: Logger = pino({ level: 'silent' });

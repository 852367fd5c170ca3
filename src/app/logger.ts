import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * The process logger: JSON lines on stderr (stdout belongs to the console chat). Secrets are redacted by
 * path wherever they could appear in a logged object.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { service: 'parley' },
      redact: {
        paths: [
          '*.token',
          '*.apiKey',
          '*.botToken',
          '*.appToken',
          '*.signingSecret',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and tools. */
export const silentLogger: Logger = pino({ level: 'silent' });

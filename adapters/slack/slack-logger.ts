import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';

function levelOf(logger: Logger): LogLevel {
  const level = logger.levelVal;
  if (level <= 20) return LogLevel.DEBUG;
  if (level <= 30) return LogLevel.INFO;
  if (level <= 40) return LogLevel.WARN;
  return LogLevel.ERROR;
}

/**
 * The pino logger in the shape Bolt, the WebClient and the Socket Mode client expect. Errors among the
 * arguments go to pino's `err` field; the rest is joined into the message. The level follows pino's.
 */
export function toSlackLogger(logger: Logger): SlackLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...parts: unknown[]): void => {
      if (!logger.isLevelEnabled(level)) return;
      const err = parts.find((part) => part instanceof Error);
      const text = parts
        .filter((part) => part !== err)
        .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
        .join(' ');
      if (err) logger[level]({ err }, text);
      else logger[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => {},
    getLevel: () => levelOf(logger),
    setName: () => {},
  };
}

import type { Logger } from './logger.ts';

/**
 * An `error` listener that logs `message` at most once per `intervalMs`. While Redis is down every reconnect
 * attempt raises an error; one line per interval tells the story without flooding the log.
 */
export function warnAtMostEvery(
  logger: Logger,
  message: string,
  intervalMs = 30_000,
  now: () => number = Date.now,
): (error: Error) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    const at = now();
    if (at - last < intervalMs) return;
    last = at;
    logger.warn({ err: error }, message);
  };
}

import { loadConfig } from '../../src/app/config.ts';
import { type Logger, silentLogger } from '../../src/app/logger.ts';
import { type RunningParley, startParley } from '../../src/app/start-parley.ts';
import { waitFor } from './wait-for.ts';

/**
 * Starts the whole product in this process, as `npm start` would with `env` on top of what every suite's
 * process shares: model `gpt-4o-mini` and the HTTP server on a free loopback port. The caller stops it.
 */
export function startTestParley(
  env: Record<string, string>,
  logger: Logger = silentLogger,
): Promise<RunningParley> {
  const config = loadConfig({ MODEL: 'gpt-4o-mini', PORT: '0', HOST: '127.0.0.1', ...env });
  return startParley(config, { logger });
}

/** Where Slack delivers events over HTTP to a running Parley. */
export const slackEventsUrl = (parley: RunningParley): string =>
  `http://127.0.0.1:${parley.httpPort}/slack/events`;

/** Waits until no turn waits in the queue: every turn enqueued so far is committed. */
export function queueDrained(parley: RunningParley): Promise<true> {
  return waitFor('the queue to drain', async () => (await parley.queue.pendingCount()) === 0);
}

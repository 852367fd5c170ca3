import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { userFullName } from '../../adapters/console/user-full-name.ts';
import { type Config, loadConfig, loadEnvFile } from './config.ts';
import { ConfigError } from './errors.ts';
import { createLogger } from './logger.ts';
import { startParley } from './start-parley.ts';

const HELP = `Usage: npm start [-- --session NAME] [--name NAME] [--out DIR] [--console]

Runs Parley with the configuration in the environment (and .env). With no Slack or Discord configured
and a terminal attached, it opens a chat in the terminal.
  --session NAME   terminal chat: the conversation to continue (default: your user name)
  --name NAME      terminal chat: who you are, as the model is told (default: your full name)
  --out DIR        terminal chat: where /export saves files (default: EXPORT_DIR, else ./parley-exports)
  --console        open the terminal chat even when platforms are configured
`;

/** How long a stop waits for turns in flight, and for everything (connections included). */
const TURN_FINISH_MS = 15_000;
const SHUTDOWN_LIMIT_MS = 20_000;

function defaultSessionName(): string {
  try {
    return userInfo().username || 'default';
  } catch {
    return 'default';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      session: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      console: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }

  loadEnvFile();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const noPlatform = !config.slack && !config.discord;
  const consoleMode = values.console || (noPlatform && config.role === 'all' && process.stdin.isTTY === true);
  // In the terminal chat, logs would interleave with the conversation: only errors (the chat reports the rest), unless asked.
  const logger = createLogger(consoleMode && !config.logLevelSet ? 'error' : config.logLevel);
  if (noPlatform && !consoleMode && config.role !== 'worker') {
    logger.warn(
      'no platform configured (SLACK_BOT_TOKEN, DISCORD_TOKEN) and no terminal attached: only the HTTP server runs',
    );
  }

  const parley = await startParley(config, {
    logger,
    console: consoleMode
      ? {
          input: process.stdin,
          output: process.stdout,
          sessionName: values.session ?? defaultSessionName(),
          userName: values.name ?? userFullName(),
          exportDir: values.out === undefined ? undefined : resolve(values.out),
          color: process.stdout.isTTY === true && config.terminal.color,
        }
      : undefined,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing turns in flight');
    // Turns in flight get TURN_FINISH_MS; whatever still hangs after that (a Redis that is down) is cut off.
    const forced = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    forced.unref();
    await parley.stop({ timeoutMs: TURN_FINISH_MS });
    process.exit(0);
  };
  // A library promise that rejects with nobody listening (e.g. Bolt on a signed but absurd body) is a bug to
  // log, not a reason to drop every conversation in flight.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  if (parley.consoleDone) {
    await parley.consoleDone;
    await shutdown('console closed');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Parley failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { HttpRoute, PlatformIngress } from '../../src/turn/platform-ingress.ts';
import { createMessageHandler, type IncomingSlackEvent } from './message-handler.ts';
import { type SlackRetryPolicy, slackClientOptions } from './slack-client-options.ts';
import { toPlatformError } from './slack-errors.ts';
import { toSlackLogger } from './slack-logger.ts';
import { handleSlashCommand, SLASH_COMMAND } from './slash-command.ts';
import { createUserDirectory } from './user-directory.ts';

/** Options of `createSlackIngress`. */
export interface SlackIngressOptions {
  /** Slack configuration: bot token plus signing secret (HTTP) or app token (Socket Mode). */
  config: NonNullable<Config['slack']>;
  /** Where turns go. */
  sink: TurnSink;
  /** Logger. */
  logger: Logger;
  /** Retry policy of Web API calls (default: 3 retries, `Retry-After` honoured). */
  retryConfig?: SlackRetryPolicy;
  /** How long a slash command waits for the queue before acknowledging anyway (default 2 s of Slack's 3). */
  enqueueBudgetMs?: number;
}

/** Path Slack posts events and slash commands to in HTTP mode. */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * The receiving side of Slack on Bolt. With `SLACK_APP_TOKEN` it connects over Socket Mode (no public URL
 * needed, `routes` is empty); otherwise it serves `POST /slack/events` on the shared HTTP server, where
 * Bolt's HTTPReceiver checks the signature (401 if wrong or older than 5 minutes), answers
 * `url_verification`, rejects malformed bodies (400) and acknowledges events before they are processed.
 */
export function createSlackIngress(options: SlackIngressOptions): PlatformIngress {
  const { config, sink } = options;
  const logger = options.logger.child({ platform: 'slack' });
  const slackLogger = toSlackLogger(logger.child({ component: 'bolt' }));
  const clientOptions = slackClientOptions(config, { logger: slackLogger, retryConfig: options.retryConfig });
  const socketMode = config.appToken !== undefined;

  let receiver: Receiver;
  let httpReceiver: HTTPReceiver | undefined;
  let socketReceiver: SocketModeReceiver | undefined;
  if (socketMode) {
    socketReceiver = new SocketModeReceiver({
      appToken: config.appToken!,
      logger: slackLogger,
      installerOptions: { clientOptions },
    });
    receiver = socketReceiver;
  } else {
    if (!config.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET');
    httpReceiver = new HTTPReceiver({
      signingSecret: config.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      logger: slackLogger,
      // Bolt answers 500 when its own middleware trips over an odd (but correctly signed) event, and Slack
      // would retry it: log and drop it with a 200 instead. Authorization failures keep their 401.
      processEventErrorHandler: async ({ error, response }) => {
        if (response.headersSent) return false;
        if (error instanceof Error && error.name === 'AuthorizationError') {
          response.writeHead(401);
          response.end();
          return true;
        }
        logger.warn({ err: error }, 'dropping a Slack event that Bolt could not process');
        response.writeHead(200);
        response.end();
        return true;
      },
    });
    receiver = httpReceiver;
  }

  const app = new App({
    token: config.botToken,
    receiver,
    logger: slackLogger,
    clientOptions,
    // auth.test runs in start(), where a bad token can fail loudly instead of as an unhandled rejection.
    deferInitialization: true,
    convoStore: false,
  });
  const directory = createUserDirectory({ client: app.client, logger });
  const handleMessage = createMessageHandler({
    sink,
    client: app.client,
    directory,
    logger,
    ignoreBots: config.ignoreBots,
    sessionScope: config.sessionScope,
  });

  const onMessageEvent = async (args: {
    event?: unknown;
    message?: unknown;
    body: unknown;
    context: unknown;
  }) =>
    handleMessage({
      event: (args.event ?? args.message) as IncomingSlackEvent['event'],
      body: args.body as IncomingSlackEvent['body'],
      context: args.context as IncomingSlackEvent['context'],
    });
  app.event('app_mention', onMessageEvent);
  app.message(onMessageEvent);
  app.command(SLASH_COMMAND, async ({ command, ack, context }) => {
    try {
      const outcome = await handleSlashCommand(command, {
        sink,
        logger,
        botUserId: context.botUserId,
        sessionScope: config.sessionScope,
        enqueueBudgetMs: options.enqueueBudgetMs,
      });
      if (outcome.text === undefined) await ack();
      else await ack({ response_type: 'ephemeral', text: outcome.text });
    } catch (error) {
      logger.error({ err: error, command: command.command }, 'slash command failed');
      await ack({
        response_type: 'ephemeral',
        text: 'Sorry, something went wrong — nothing was done.',
      }).catch(() => {});
    }
  });
  app.error(async (error) => {
    logger.warn({ err: error }, 'Slack listener error');
  });

  let started = false;
  const routes: HttpRoute[] = httpReceiver
    ? [
        {
          method: 'POST',
          path: SLACK_EVENTS_PATH,
          handle(request: IncomingMessage, response: ServerResponse) {
            if (!started) {
              // Slack retries; by then auth.test has answered.
              response.writeHead(503, { 'retry-after': '1' });
              response.end();
              return;
            }
            try {
              httpReceiver.requestListener(request, response);
            } catch (error) {
              logger.warn({ err: error }, 'Slack request was not handled');
              if (!response.headersSent) response.writeHead(404);
              response.end();
            }
          },
        },
      ]
    : [];

  return {
    platform: 'slack',
    routes,
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw toPlatformError('auth.test (check SLACK_BOT_TOKEN)', error);
      }
      if (socketReceiver) {
        try {
          await socketReceiver.start();
        } catch (error) {
          throw toPlatformError('apps.connections.open (check SLACK_APP_TOKEN)', error);
        }
      }
      started = true;
      logger.info({ mode: socketMode ? 'socket' : 'http' }, 'Slack ingress started');
    },
    async stop() {
      started = false;
      if (socketReceiver) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          socketReceiver.client.disconnect(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, 5_000);
          }),
        ]);
        clearTimeout(timer);
      }
    },
  };
}

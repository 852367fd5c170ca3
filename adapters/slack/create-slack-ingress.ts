import { App, type SocketModeReceiver } from '@slack/bolt';
import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { ToolConfirmations } from '../../src/tools/tool-confirmation.ts';
import type { FollowedConversations, PlatformIngress } from '../../src/turn/platform-ingress.ts';
import type { RecordFeedback } from '../../src/usage/record-feedback.ts';
import { registerAssistantPane } from './assistant-pane.ts';
import { createAssistantThreads } from './assistant-threads.ts';
import { createChannelDirectory } from './channel-directory.ts';
import { registerFeedbackAction } from './feedback-action.ts';
import { createMessageHandler } from './message-handler.ts';
import { createRedisAssistantThreads } from './redis-assistant-threads.ts';
import { type SlackRetryPolicy, slackClientOptions } from './slack-client-options.ts';
import { slackEventsRoute } from './slack-events-route.ts';
import { registerSlackListeners } from './slack-listeners.ts';
import { toSlackLogger } from './slack-logger.ts';
import { createSlackReceivers } from './slack-receivers.ts';
import { slackStartError } from './slack-start-error.ts';
import { registerStopAction } from './stop-action.ts';
import { registerToolConfirmAction } from './tool-confirm-action.ts';
import { createUserDirectory } from './user-directory.ts';

export { SLACK_EVENTS_PATH } from './slack-receivers.ts';

/** Options of `createSlackIngress`. */
export interface SlackIngressOptions {
  /** Slack configuration: bot token plus signing secret (HTTP) or app token (Socket Mode). */
  config: NonNullable<Config['slack']>;
  /** Where turns go. */
  sink: TurnSink;
  /**
   * The conversations the bot takes part in (the history store). With it and `FOLLOW_UPS=thread`, a message in a
   * thread the bot was mentioned in is answered without a mention; without it, Parley behaves as with
   * `FOLLOW_UPS=mention`.
   */
  followed?: FollowedConversations;
  /** Logger. */
  logger: Logger;
  /** Retry policy of Web API calls (default: 3 retries, `Retry-After` honoured). */
  retryConfig?: SlackRetryPolicy;
  /** How long a slash command waits for the queue before acknowledging anyway (default 2 s of Slack's 3). */
  enqueueBudgetMs?: number;
  /** How long an event waits for the queue before it is refused and left to Slack to redeliver (default 2 s). */
  eventEnqueueTimeoutMs?: number;
  /** Where clicks of the 👍/👎 buttons under answers go; without it they are acknowledged and dropped. */
  recordFeedback?: RecordFeedback;
  /** Where Stop clicks go (the stop signal of the worker running the answer); without it they are dropped. */
  requestStop?: (turnId: string) => Promise<void>;
  /** Where Approve/Decline clicks on tool confirmations go; without it they are dropped (Bolt acks them). */
  toolConfirmations?: ToolConfirmations;
  /**
   * `ADMIN_USERS`: people who may stop anyone's answer, besides workspace admins (default: the tool
   * confirmations' list, else nobody).
   */
  adminUsers?: readonly string[];
  /**
   * Redis (with `REDIS_URL`): the assistant pane's thread state (context, title, viewed channel told) is kept
   * there, shared by every ingress process and kept across restarts; without it, in this process's memory.
   */
  redis?: { connection: Redis | Cluster; prefix: string };
}

/** How long `stop` waits for the Socket Mode connection to close. */
const DISCONNECT_WAIT_MS = 5_000;

/**
 * The receiving side of Slack on Bolt. With `SLACK_APP_TOKEN` it connects over Socket Mode (no public URL
 * needed, `routes` is empty); otherwise it serves `POST /slack/events` on the shared HTTP server, where
 * Bolt's HTTPReceiver checks the signature (401 if wrong or older than 5 minutes), answers
 * `url_verification` and rejects malformed bodies (400). An event is acknowledged only once its turn is in the
 * queue (or it is deliberately ignored); one that could not be queued within `eventEnqueueTimeoutMs` is
 * refused (HTTP 503, or no Socket Mode ack), and Slack delivers it again.
 */
export function createSlackIngress(options: SlackIngressOptions): PlatformIngress {
  const { config, sink } = options;
  const logger = options.logger.child({ platform: 'slack' });
  const slackLogger = toSlackLogger(logger.child({ component: 'bolt' }));
  const clientOptions = slackClientOptions(config, { logger: slackLogger, retryConfig: options.retryConfig });
  const { receiver, http, socket } = createSlackReceivers(config, { logger, slackLogger, clientOptions });
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
    channels: createChannelDirectory({ client: app.client, logger }),
    followed: options.followed,
    followUps: config.followUps,
    logger,
    ignoreBots: config.ignoreBots,
    sessionScope: config.sessionScope,
    enqueueTimeoutMs: options.eventEnqueueTimeoutMs,
  });
  if (config.assistant) {
    registerAssistantPane(app, {
      handleMessage,
      suggestedPrompts: config.suggestedPrompts,
      directory,
      threads: options.redis
        ? createRedisAssistantThreads({
            redis: options.redis.connection,
            prefix: options.redis.prefix,
            logger,
          })
        : createAssistantThreads(),
      logger,
    });
  }
  if (options.recordFeedback) registerFeedbackAction(app, { record: options.recordFeedback, logger });
  if (options.requestStop) {
    registerStopAction(app, {
      requestStop: options.requestStop,
      isAdmin: directory.isAdmin,
      adminUsers: options.adminUsers ?? options.toolConfirmations?.adminUsers ?? [],
      logger,
    });
  }
  if (options.toolConfirmations)
    registerToolConfirmAction(app, { ...options.toolConfirmations, isAdmin: directory.isAdmin, logger });
  registerSlackListeners(app, {
    handleMessage,
    sink,
    logger,
    sessionScope: config.sessionScope,
    enqueueBudgetMs: options.enqueueBudgetMs,
    directory,
  });

  let started = false;
  return {
    platform: 'slack',
    routes: http ? [slackEventsRoute(http, () => started, logger)] : [],
    async start() {
      await connectSlack(app, socket, config.apiUrl ?? 'https://slack.com/api/');
      started = true;
      logger.info({ mode: socket ? 'socket' : 'http' }, 'Slack ingress started');
    },
    async stop() {
      started = false;
      if (socket) await disconnectSocket(socket);
    },
  };
}

/** Runs auth.test (deferred initialization) and opens the Socket Mode connection, if any. */
async function connectSlack(app: App, socket: SocketModeReceiver | undefined, apiUrl: string): Promise<void> {
  try {
    await app.init();
  } catch (error) {
    throw slackStartError('auth.test', 'check SLACK_BOT_TOKEN', apiUrl, error);
  }
  if (!socket) return;
  try {
    await socket.start();
  } catch (error) {
    throw slackStartError('apps.connections.open', 'check SLACK_APP_TOKEN', apiUrl, error);
  }
}

/** Closes the Socket Mode connection, waiting for it at most `DISCONNECT_WAIT_MS`. */
async function disconnectSocket(socket: SocketModeReceiver): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    socket.client.disconnect(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DISCONNECT_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
}

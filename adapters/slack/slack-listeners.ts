import type { App } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import { isEventNotQueued } from './event-not-queued.ts';
import type { IncomingSlackEvent } from './message-handler.ts';
import type { SlashCommand } from './reset-command.ts';
import type { SlackSessionScope } from './slack-session-id.ts';
import { handleSlashCommand, SLASH_COMMAND } from './slash-command.ts';
import type { UserDirectory } from './user-directory.ts';

/** What the listeners hand events and commands to. */
export interface SlackListenerOptions {
  /** Turns message events into queued turns (see `createMessageHandler`); rejects when one was not queued. */
  handleMessage: (incoming: IncomingSlackEvent) => Promise<void>;
  /** Where command turns go. */
  sink: TurnSink;
  /** Logger. */
  logger: Logger;
  /** `SLACK_SESSION_SCOPE`. */
  sessionScope: SlackSessionScope | undefined;
  /** How long a slash command waits for the queue before acknowledging anyway. */
  enqueueBudgetMs: number | undefined;
  /** Who is a workspace admin (a command's author is looked up before it is queued). */
  directory?: UserDirectory;
}

/** How Bolt acknowledges a slash command: empty, or with an ephemeral answer. */
type Ack = (response?: { response_type: 'ephemeral'; text: string }) => Promise<void>;

/**
 * Subscribes the Bolt app to mentions, messages and Parley's slash commands, and logs listener errors. An
 * event that was not queued is passed on to the receiver, which then does not acknowledge it.
 */
export function registerSlackListeners(app: App, options: SlackListenerOptions): void {
  const onMessageEvent = async (args: {
    event?: unknown;
    message?: unknown;
    body: unknown;
    context: unknown;
  }) =>
    options.handleMessage({
      event: (args.event ?? args.message) as IncomingSlackEvent['event'],
      body: args.body as IncomingSlackEvent['body'],
      context: args.context as IncomingSlackEvent['context'],
    });
  app.event('app_mention', onMessageEvent);
  app.message(onMessageEvent);
  app.command(SLASH_COMMAND, ({ command, ack, context }) =>
    answerSlashCommand(command, context.botUserId, ack, options),
  );
  app.error(async (error) => {
    // Already logged by the message handler; rethrown so that the receiver refuses the event.
    if (isEventNotQueued(error)) throw error;
    options.logger.warn({ err: error }, 'Slack listener error');
  });
}

/** Runs one slash command and acknowledges it; a failure is acknowledged with an apology, never thrown. */
async function answerSlashCommand(
  command: SlashCommand,
  botUserId: string | undefined,
  ack: Ack,
  options: SlackListenerOptions,
): Promise<void> {
  const { logger } = options;
  try {
    const outcome = await handleSlashCommand(command, {
      sink: options.sink,
      logger,
      botUserId,
      sessionScope: options.sessionScope,
      enqueueBudgetMs: options.enqueueBudgetMs,
      isAdmin: options.directory?.isAdmin,
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
}

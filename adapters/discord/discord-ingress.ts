import { type Client, Events } from 'discord.js';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { ToolConfirmations } from '../../src/tools/tool-confirmation.ts';
import type { FollowedConversations, PlatformIngress } from '../../src/turn/platform-ingress.ts';
import type { AnswerRefs } from '../../src/usage/answer-refs.ts';
import type { RecordFeedback } from '../../src/usage/record-feedback.ts';
import { registerCommands } from './command-definitions.ts';
import { handleCommand } from './commands.ts';
import { connectDiscord } from './connect-discord.ts';
import { createDiscordClient } from './discord-client.ts';
import { toPlatformError } from './discord-rest.ts';
import { handleMessage, type MessageHandlerContext } from './handle-message.ts';
import { handleMessageChange, type RawPacket } from './handle-message-change.ts';
import { handleReaction } from './handle-reaction.ts';
import { inviteUrl } from './invite-url.ts';
import { registerStopInteraction } from './stop-interaction.ts';
import { registerToolConfirmInteraction } from './tool-confirm-interaction.ts';

/** Options of `createDiscordIngress`. */
export interface DiscordIngressOptions {
  /** Discord settings. */
  config: NonNullable<Config['discord']>;
  /** Where turns go. */
  sink: TurnSink;
  /** Process logger. */
  logger: Logger;
  /** Defer a `/reset` answer when queueing takes longer than this (Discord allows 3 s). Default 1,500 ms. */
  deferAfterMs?: number;
  /** Fail `start()` when the gateway is not ready within this long. Default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Which threads the bot takes part in (the history store): follow-ups there are answered without a mention,
   * and edits and deletes of messages there become turns. Without it only DMs, mentions and replies count.
   */
  followed?: FollowedConversations;
  /** Where Approve/Decline clicks on tool confirmations go; without it they are not answered. */
  toolConfirmations?: ToolConfirmations;
  /**
   * Records 👍/👎 reactions on answers (with `answerRefs`, which names the answer a message is); without both,
   * reactions are not listened to (nor their intents asked for).
   */
  recordFeedback?: RecordFeedback;
  /** Which message is which answer, as the workers that posted them remembered. */
  answerRefs?: AnswerRefs;
  /** Where Stop clicks go (the stop signal of the worker running the answer); without it they are not answered. */
  requestStop?: (turnId: string) => Promise<void>;
  /** `ADMIN_USERS`, who may stop anyone's answer; default none. */
  adminUsers?: readonly string[];
}

/**
 * The receiving side of Discord: a gateway connection (discord.js) that turns DMs, mentions, replies to the
 * bot, follow-ups in threads it follows (with the Message Content intent), edits, deletes and slash commands
 * into turns for the queue, records 👍/👎 reactions on answers and hands Stop clicks to the workers.
 * Registers the slash commands and logs an invite URL on start.
 */
export function createDiscordIngress(options: DiscordIngressOptions): PlatformIngress {
  const { config, sink, recordFeedback, answerRefs, requestStop } = options;
  const logger = options.logger.child({ platform: 'discord' });
  const feedback = recordFeedback && answerRefs ? { recordFeedback, answerRefs } : undefined;
  const client = createDiscordClient(config.apiUrl, {
    messageContent: config.messageContent,
    reactions: feedback !== undefined,
  });
  const { followed } = options;
  listen({ client, config, sink, logger, followed }, options.deferAfterMs ?? 1_500);
  if (options.toolConfirmations)
    registerToolConfirmInteraction(client, { ...options.toolConfirmations, logger });
  if (feedback) listenForReactions(client, feedback, logger);
  if (requestStop)
    registerStopInteraction(client, { requestStop, adminUsers: options.adminUsers ?? [], logger });
  return {
    platform: 'discord',
    routes: [],
    async start() {
      await connectDiscord(client, config.token, options.readyTimeoutMs ?? 60_000);
      await announce(client, config.guildId, logger);
    },
    async stop() {
      await client.destroy();
    },
  };
}

/** Wires the gateway events: messages and slash commands become turns; errors are logged, never thrown. */
function listen(context: MessageHandlerContext, deferAfterMs: number): void {
  const { client, sink, logger } = context;
  client.on(Events.MessageCreate, (message) => {
    handleMessage(message, context).catch((error: unknown) =>
      logger.error(
        { err: error, channelId: message.channelId, messageId: message.id },
        'discord message lost',
      ),
    );
  });
  client.on(Events.Raw, (packet: RawPacket) => {
    handleMessageChange(packet, context).catch((error: unknown) =>
      logger.error({ err: error, event: packet.t }, 'discord message change lost'),
    );
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    handleCommand(interaction, { sink, logger, deferAfterMs }).catch((error: unknown) =>
      logger.error(
        { err: toPlatformError(error, 'answering a command'), command: interaction.commandName },
        'discord command failed',
      ),
    );
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardError, (error) => logger.warn({ err: error }, 'discord gateway error'));
  client.on(Events.Warn, (message) => logger.warn({ detail: message }, 'discord client warning'));
}

/** Hands reactions to `handleReaction`; a failure (the refs store or the ledger down) is logged, never thrown. */
function listenForReactions(
  client: Client,
  feedback: { recordFeedback: RecordFeedback; answerRefs: AnswerRefs },
  logger: Logger,
): void {
  client.on(Events.Raw, (packet: RawPacket) => {
    if (packet.t !== 'MESSAGE_REACTION_ADD') return;
    handleReaction(packet, { ...feedback, botUserId: client.user?.id, logger }).catch((error: unknown) =>
      logger.error({ err: error, event: packet.t }, 'discord feedback lost'),
    );
  });
}

/** Registers the slash commands (a failure leaves mentions and DMs working) and logs the invite URL. */
async function announce(client: Client, guildId: string | undefined, logger: Logger): Promise<void> {
  const applicationId = client.application?.id ?? client.user!.id;
  try {
    await registerCommands({ rest: client.rest, applicationId, guildId, logger });
  } catch (error) {
    // The bot still answers mentions and DMs without its slash command.
    logger.error(
      { err: toPlatformError(error, 'registering commands') },
      'discord slash commands not registered; they are unavailable until the next start',
    );
  }
  logger.info(
    { botUserId: client.user!.id, guilds: client.guilds.cache.size, inviteUrl: inviteUrl(applicationId) },
    'discord connected; invite the bot with inviteUrl',
  );
}

import { once } from 'node:events';
import {
  Client,
  DiscordAPIError,
  DiscordjsError,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  type Message,
  Options,
  Partials,
  ThreadAutoArchiveDuration,
} from 'discord.js';
import type { Config } from '../../src/app/config.ts';
import { PlatformError } from '../../src/app/errors.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { PlatformIngress } from '../../src/turn/platform-ingress.ts';
import { registerCommands } from './command-definitions.ts';
import { handleCommand } from './commands.ts';
import { restApiBase, toPlatformError } from './discord-rest.ts';
import { inviteUrl } from './invite-url.ts';
import { moveToThread, threadName, toTurn } from './to-turn.ts';

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
}

/** Discord error code: a thread was already started on this message. */
const THREAD_ALREADY_CREATED = 160004;

/**
 * Gateway intents, the fewest that do the job. Guilds: channels and threads, so guild messages resolve.
 * GuildMessages and DirectMessages: the messages. MessageContent is privileged and not needed: Discord
 * delivers the text of DMs and of messages mentioning the bot anyway, and those are all Parley answers.
 */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.DirectMessages,
];

/**
 * The receiving side of Discord: a gateway connection (discord.js) that turns DMs, mentions and slash
 * commands into turns for the queue. Registers the slash commands and logs an invite URL on start.
 */
export function createDiscordIngress(options: DiscordIngressOptions): PlatformIngress {
  const { config, sink } = options;
  const logger = options.logger.child({ platform: 'discord' });
  const client = new Client({
    intents: DISCORD_INTENTS,
    // DM channels are not cached before their first message; without this partial DMs are dropped.
    partials: [Partials.Channel],
    rest: { api: restApiBase(config.apiUrl) },
    allowedMentions: { parse: [] },
    // Parley never reads old messages back from the cache, so do not keep them.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });

  /** Starts a thread on the message and returns its id, or undefined to answer in the channel instead. */
  const startThread = async (message: Message<true>, text: string): Promise<string | undefined> => {
    try {
      const thread = await message.startThread({
        name: threadName(text),
        autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
      });
      return thread.id;
    } catch (error) {
      // A thread started on a message has the message's id: a redelivered message finds its thread again.
      const exists =
        (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.MessageExistingThread) ||
        (error instanceof DiscordAPIError && error.code === THREAD_ALREADY_CREATED);
      if (exists) return message.id;
      // Wrapped: a raw DiscordAPIError would log its request body, i.e. the thread name taken from the question.
      logger.warn(
        { err: toPlatformError(error, 'starting a thread'), channelId: message.channelId },
        'discord thread not started; answering in channel',
      );
      return undefined;
    }
  };

  const handleMessage = async (message: Message): Promise<void> => {
    const botUserId = client.user?.id;
    if (!botUserId) return;
    let turn = toTurn(message, { botUserId, ignoreBots: config.ignoreBots });
    if (!turn) return;
    if (config.replyInThread && message.inGuild() && !message.channel.isThread()) {
      const threadId = await startThread(message, turn.text);
      if (threadId) turn = moveToThread(turn, threadId);
    }
    const result = await sink.enqueue(turn);
    logger.debug(
      { sessionId: turn.sessionId, turnId: turn.id, accepted: result.accepted },
      'discord turn queued',
    );
  };

  client.on(Events.MessageCreate, (message) => {
    handleMessage(message).catch((error: unknown) =>
      logger.error(
        { err: error, channelId: message.channelId, messageId: message.id },
        'discord message lost',
      ),
    );
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    handleCommand(interaction, { sink, logger, deferAfterMs: options.deferAfterMs ?? 1_500 }).catch(
      (error: unknown) =>
        logger.error(
          { err: toPlatformError(error, 'answering a command'), command: interaction.commandName },
          'discord command failed',
        ),
    );
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardError, (error) => logger.warn({ err: error }, 'discord gateway error'));
  client.on(Events.Warn, (message) => logger.warn({ detail: message }, 'discord client warning'));

  return {
    platform: 'discord',
    routes: [],

    async start() {
      const controller = new AbortController();
      const ready = once(client, Events.ClientReady, { signal: controller.signal });
      ready.catch(() => {});
      const timer = setTimeout(() => controller.abort(), options.readyTimeoutMs ?? 60_000);
      try {
        await client.login(config.token);
        await ready;
      } catch (error) {
        await client.destroy();
        const invalidToken =
          error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid;
        throw new PlatformError(
          'discord',
          invalidToken
            ? 'Discord rejected DISCORD_TOKEN — copy the bot token again from the Developer Portal (Bot → Reset Token).'
            : `Discord gateway not ready: ${error instanceof Error ? error.message : String(error)}`,
          { isRetryable: !invalidToken, cause: error },
        );
      } finally {
        clearTimeout(timer);
      }

      const applicationId = client.application?.id ?? client.user!.id;
      try {
        await registerCommands({ rest: client.rest, applicationId, guildId: config.guildId, logger });
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
    },

    async stop() {
      await client.destroy();
    },
  };
}

import type { Client, Message } from 'discord.js';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { FollowedConversations } from '../../src/turn/platform-ingress.ts';
import { sessionId } from '../../src/turn/session-id.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { repliesToBot } from './replies-to-bot.ts';
import { startThread } from './start-thread.ts';
import { moveToThread, safeIds, type ToTurnContext, toTurn } from './to-turn.ts';

/** What `handleMessage` needs besides the message. */
export interface MessageHandlerContext {
  /** The gateway client (its user is the bot). */
  client: Client;
  /** Discord settings (`ignoreBots`, `replyInThread`, `followUps`, `messageContent`). */
  config: NonNullable<Config['discord']>;
  /** Where turns go. */
  sink: TurnSink;
  /** Logger. */
  logger: Logger;
  /** Threads the bot takes part in (the history store); without it no thread is followed. */
  followed?: FollowedConversations;
}

/**
 * Queues a turn for a message the bot should answer or remember (see `toTurn`): DMs, mentions, replies to the
 * bot, and — with the Message Content intent and `FOLLOW_UPS=thread` — every message in a thread it follows.
 * With `replyInThread`, a question asked in a guild channel is first given a thread of its own, which becomes
 * the turn's session. A thread the bot starts or is addressed in becomes followed.
 */
export async function handleMessage(message: Message, context: MessageHandlerContext): Promise<void> {
  const { config, logger } = context;
  const botUserId = context.client.user?.id;
  if (!botUserId || message.author.id === botUserId) return;
  const addressed = await addressing(message, botUserId, context);
  let turn = toTurn(message, addressed);
  if (!turn) return;
  const inThread = message.inGuild() && message.channel.isThread();
  if (config.replyInThread && message.inGuild() && !inThread) {
    // A message of files alone names its thread after the first one.
    const threadId = await startThread(message, turn.text || (turn.attachments?.[0]?.name ?? ''), logger);
    if (threadId) {
      turn = moveToThread(turn, threadId);
      await follow(turn, context);
    }
  } else if (inThread && turn.kind === 'message' && !addressed.inFollowedThread) {
    await follow(turn, context);
  }
  const result = await context.sink.enqueue(turn);
  logger.debug(
    { sessionId: turn.sessionId, turnId: turn.id, kind: turn.kind, accepted: result.accepted },
    'discord turn queued',
  );
}

/**
 * Who a guild message is addressed to, as far as `toTurn` needs it: a reply to the bot (looked up only when it
 * is not a mention anyway), or a message in a followed thread. Follow-ups need the Message Content intent:
 * without it Discord sends such messages with empty text, so the follow mark is not even looked up.
 */
async function addressing(
  message: Message,
  botUserId: string,
  context: MessageHandlerContext,
): Promise<ToTurnContext> {
  const { config, followed } = context;
  const addressing: ToTurnContext = { botUserId, ignoreBots: config.ignoreBots };
  if (!message.inGuild() || message.system) return addressing;
  if (config.ignoreBots && (message.author.bot || message.webhookId !== null)) return addressing;
  if (message.mentions.users.has(botUserId)) return addressing;
  // Nothing to say (without Message Content, every message not addressed to the bot reads so): no lookups.
  if (message.content.trim() === '' && message.attachments.size === 0) return addressing;
  addressing.repliesToBot = await repliesToBot(message, botUserId, context.logger);
  const followUps = (config.followUps ?? 'thread') === 'thread' && config.messageContent === true;
  if (addressing.repliesToBot || !followUps || !followed || !message.channel.isThread()) return addressing;
  if (!safeIds(message.guildId, message.channelId)) return addressing;
  addressing.inFollowedThread = await followed.isFollowed(
    sessionId('discord', message.guildId, message.channelId),
  );
  return addressing;
}

/** Marks the turn's thread as followed; a failure is logged and the turn still queued (only follow-ups miss it). */
async function follow(turn: Turn, context: MessageHandlerContext): Promise<void> {
  if (!context.followed) return;
  try {
    await context.followed.follow(turn.sessionId);
  } catch (error) {
    context.logger.warn({ err: error, sessionId: turn.sessionId }, 'discord thread not marked as followed');
  }
}

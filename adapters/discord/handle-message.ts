import type { Client, Message } from 'discord.js';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import { startThread } from './start-thread.ts';
import { moveToThread, toTurn } from './to-turn.ts';

/** What `handleMessage` needs besides the message. */
export interface MessageHandlerContext {
  /** The gateway client (its user is the bot). */
  client: Client;
  /** Discord settings (`ignoreBots`, `replyInThread`). */
  config: NonNullable<Config['discord']>;
  /** Where turns go. */
  sink: TurnSink;
  /** Logger. */
  logger: Logger;
}

/**
 * Queues a turn for a message the bot should answer (see `toTurn`); with `replyInThread`, a question asked
 * in a guild channel is first given a thread of its own, which becomes the turn's session.
 */
export async function handleMessage(message: Message, context: MessageHandlerContext): Promise<void> {
  const { config, logger } = context;
  const botUserId = context.client.user?.id;
  if (!botUserId) return;
  let turn = toTurn(message, { botUserId, ignoreBots: config.ignoreBots });
  if (!turn) return;
  if (config.replyInThread && message.inGuild() && !message.channel.isThread()) {
    const threadId = await startThread(message, turn.text, logger);
    if (threadId) turn = moveToThread(turn, threadId);
  }
  const result = await context.sink.enqueue(turn);
  logger.debug(
    { sessionId: turn.sessionId, turnId: turn.id, accepted: result.accepted },
    'discord turn queued',
  );
}

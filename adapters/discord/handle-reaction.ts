import type { Logger } from '../../src/app/logger.ts';
import type { AnswerRefs } from '../../src/usage/answer-refs.ts';
import type { RecordFeedback } from '../../src/usage/record-feedback.ts';
import { feedbackOfEmoji } from './feedback-reactions.ts';
import type { RawPacket } from './handle-message-change.ts';
import { safeIds } from './to-turn.ts';

/** What reading reactions needs. */
export interface ReactionHandlerContext {
  /** The bot's own user id (its reactions are no votes); undefined before the gateway is ready. */
  botUserId: string | undefined;
  /** Which message is which answer (written by the workers that posted them). */
  answerRefs: AnswerRefs;
  /** Where a vote goes. */
  recordFeedback: RecordFeedback;
  /** Logger. */
  logger: Logger;
}

/** A MESSAGE_REACTION_ADD dispatch as the gateway sends it (`d`). Untrusted: every field is checked. */
interface RawReactionAdd {
  /** Who reacted. */
  user_id?: unknown;
  /** The message reacted to, and its channel. */
  message_id?: unknown;
  channel_id?: unknown;
  /** Its guild; absent in DMs. */
  guild_id?: unknown;
  /** The reacting guild member (guild reactions), whose `user.bot` tells bots apart. */
  member?: { user?: { bot?: unknown } } | null;
  /** Who wrote the message (recent gateway versions send it). */
  message_author_id?: unknown;
  /** The emoji: `name` is the character itself for a standard emoji, and `id` is null. */
  emoji?: { id?: unknown; name?: unknown } | null;
}

/**
 * Records a 👍 or 👎 that a person (not the bot, not another bot) adds to one of Parley's answers, against the
 * answer's conversation, channel and model; a later 👎 replaces an earlier 👍 (one vote per person per answer).
 * It reads the raw gateway packet: with no message cache discord.js would need partials to emit reactions, and
 * the packet names all a vote needs. Taking a reaction back (MESSAGE_REACTION_REMOVE) withdraws nothing: the
 * ledger keeps votes, it does not retract them. Reactions that cannot be read are logged and dropped.
 */
export async function handleReaction(packet: RawPacket, context: ReactionHandlerContext): Promise<void> {
  if (packet.t !== 'MESSAGE_REACTION_ADD') return;
  const { botUserId, logger } = context;
  const data = packet.d as RawReactionAdd | null | undefined;
  const reaction = readReaction(data);
  if (!reaction) {
    logger.warn({ event: packet.t }, 'dropping a reaction that could not be read');
    return;
  }
  if (!botUserId || reaction.userId === botUserId || data?.member?.user?.bot === true) return;
  const value = feedbackOfEmoji(reaction.emoji);
  // Settled without a lookup: other emoji, and messages Discord says someone else wrote.
  if (!value) return;
  if (typeof data?.message_author_id === 'string' && data.message_author_id !== botUserId) return;
  const answer = await context.answerRefs.find(reaction.messageId);
  if (!answer) {
    logger.debug({ channelId: reaction.channelId }, 'reaction on a message that is no answer');
    return;
  }
  await context.recordFeedback({
    ...answer,
    messageRef: reaction.messageId,
    userId: reaction.userId,
    value,
  });
  logger.info({ sessionId: answer.sessionId, value }, 'feedback recorded');
}

/** The parts of a reaction a vote needs, when they are what Discord sends (snowflakes, an emoji name). */
function readReaction(
  data: RawReactionAdd | null | undefined,
): { userId: string; messageId: string; channelId: string; emoji: string } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { user_id: userId, message_id: messageId, channel_id: channelId } = data;
  const emoji = data.emoji?.name;
  if (typeof userId !== 'string' || typeof messageId !== 'string' || typeof channelId !== 'string')
    return undefined;
  if (typeof emoji !== 'string' || !safeIds(userId, messageId, channelId)) return undefined;
  return { userId, messageId, channelId, emoji };
}

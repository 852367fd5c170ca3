import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import type { PostedMessage } from '../../src/turn/reply-channel.ts';
import type { FeedbackValue } from '../../src/usage/feedback-ledger.ts';
import { toPlatformError } from './discord-rest.ts';

/** The reactions the bot puts under an answer, in the order they appear. */
export const FEEDBACK_EMOJI = { up: '👍', down: '👎' } as const;

/** Skin tones Discord may add to a reaction (👍🏽 counts as 👍). */
const SKIN_TONE = /[\u{1F3FB}-\u{1F3FF}]$/u;

/** The feedback a reaction's emoji gives: 👍 up, 👎 down (any skin tone); undefined for any other emoji. */
export function feedbackOfEmoji(name: string): FeedbackValue | undefined {
  const base = name.replace(SKIN_TONE, '');
  if (base === FEEDBACK_EMOJI.up) return 'up';
  if (base === FEEDBACK_EMOJI.down) return 'down';
  return undefined;
}

/**
 * Adds the bot's own 👍 and 👎 to an answer's message, so people can vote with one click. Never fails the
 * answer: a reaction Discord refuses (no Add Reactions permission, the message deleted meanwhile) is logged.
 */
export async function addFeedbackReactions(
  rest: REST,
  message: PostedMessage,
  logger: Logger,
): Promise<void> {
  try {
    // In order: Discord shows reactions in the order they were first added.
    for (const emoji of [FEEDBACK_EMOJI.up, FEEDBACK_EMOJI.down]) {
      await rest.put(
        Routes.channelMessageOwnReaction(message.channelId, message.messageId, encodeURIComponent(emoji)),
      );
    }
  } catch (error) {
    logger.warn(
      { err: toPlatformError(error, 'adding feedback reactions'), channelId: message.channelId },
      'discord feedback reactions not added',
    );
  }
}

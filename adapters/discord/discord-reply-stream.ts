import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import type { OpenReplyOptions, ReplyStream } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { createLatestThrottle } from '../shared/latest-throttle.ts';
import { createReplyMessages, type ReplyMessages } from '../shared/reply-messages.ts';
import { createDiscordMessageDriver } from './discord-message-driver.ts';
import { isUnknownMessage, toPlatformError } from './discord-rest.ts';
import { splitMessage } from './split-message.ts';
import { toolUseLine } from './tool-use-line.ts';
import { createTypingIndicator, type TypingTimings } from './typing-indicator.ts';

/** Timings of a reply stream. */
export interface ReplyStreamTimings extends TypingTimings {
  /** Least time between two streamed edits. */
  editIntervalMs: number;
}

/** Shown when the model produced nothing: Discord refuses empty messages. */
const EMPTY_REPLY = '_(no reply)_';

/** One turn's reply on Discord: typing, one message edited while streaming, then the final parts. */
export function createDiscordReplyStream(
  rest: REST,
  target: ReplyTarget,
  options: OpenReplyOptions,
  timings: ReplyStreamTimings,
  logger: Logger,
): ReplyStream {
  const channelId = target.channelId;
  const messages = createReplyMessages(
    createDiscordMessageDriver(rest, target),
    options.previous,
    options.onPosted,
  );
  const typing = createTypingIndicator(rest, channelId, timings, logger);
  let finished = false;

  const throttle = createLatestThrottle<string>({
    intervalMs: timings.editIntervalMs,
    send: async (text) => {
      // While streaming only the first message is shown; the rest appears with `finish`.
      const content = splitMessage(text)[0];
      if (content !== undefined) await messages.write(0, content);
    },
    onError: (error) =>
      logger.warn(
        { err: toPlatformError(error, 'streamed edit'), channelId },
        'discord streamed edit failed',
      ),
  });

  let streamed = false;
  return {
    async showWorking() {
      if (!finished) await typing.start();
    },

    async showToolUse(names) {
      if (finished || names.length === 0) return;
      await typing.start();
      // A line of its own only until the answer streams: it is then edited into the answer.
      if (!streamed) await messages.write(0, toolUseLine(names));
    },

    update(textSoFar) {
      if (!finished && textSoFar.trim() !== '') {
        streamed = true;
        throttle.push(textSoFar);
      }
    },

    async finish(text) {
      finished = true;
      await typing.stop();
      await throttle.settle();
      const parts = splitMessage(text);
      if (parts.length === 0) parts.push(EMPTY_REPLY);
      try {
        await messages.writeAll(parts);
        await deleteSurplus(rest, messages, parts.length);
      } catch (error) {
        throw toPlatformError(error, 'posting the reply');
      }
      logger.debug({ channelId, parts: parts.length }, 'discord reply posted');
    },
  };
}

/**
 * A re-run whose text came out shorter than the earlier attempt's: removes the surplus messages (one deleted
 * meanwhile is fine; any other failure stops here) and records the shorter list once.
 */
async function deleteSurplus(rest: REST, messages: ReplyMessages, count: number): Promise<void> {
  if (messages.posted.length <= count) return;
  for (const surplus of messages.posted.slice(count)) {
    await rest.delete(Routes.channelMessage(surplus.channelId, surplus.messageId)).catch((error) => {
      if (!isUnknownMessage(error)) throw error;
    });
  }
  await messages.truncate(count);
}

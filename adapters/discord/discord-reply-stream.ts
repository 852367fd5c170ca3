import {
  type APIAllowedMentions,
  type REST,
  type RESTPatchAPIChannelMessageJSONBody,
  type RESTPostAPIChannelMessageJSONBody,
  Routes,
} from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import type { OpenReplyOptions, PostedMessage, ReplyStream } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { isUnknownMessage, toPlatformError } from './discord-rest.ts';
import { createLatestThrottle } from './latest-throttle.ts';
import { splitMessage } from './split-message.ts';

/** Timings of a reply stream. */
export interface ReplyStreamTimings {
  /** Least time between two streamed edits. */
  editIntervalMs: number;
  /** How often the typing indicator (which lasts 10 s) is renewed. */
  typingIntervalMs: number;
  /** Typing stops after this long even if the turn never finishes (a stuck or crashed processor). */
  maxTypingMs: number;
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Shown when the model produced nothing: Discord refuses empty messages. */
const EMPTY_REPLY = '_(no reply)_';

/**
 * A reply never pings anyone: model output could contain `@everyone`, role or user mentions. Only the first
 * message, a reply to the question, may notify its author, and we choose not to (the asker is watching).
 */
function allowedMentions(): APIAllowedMentions {
  return { parse: [], replied_user: false };
}

/** One turn's reply on Discord: typing, one message edited while streaming, then the final parts. */
export function createDiscordReplyStream(
  rest: REST,
  target: ReplyTarget,
  options: OpenReplyOptions,
  timings: ReplyStreamTimings,
  logger: Logger,
): ReplyStream {
  const channelId = target.channelId;
  const posted: PostedMessage[] = [...options.previous];
  // Text last written into posted[0] by this stream (unknown for messages of an earlier attempt).
  let firstContent: string | undefined;
  let typingTimer: NodeJS.Timeout | undefined;
  let typingStartedAt = 0;
  let finished = false;

  let typingInFlight: Promise<void> | undefined;
  const sendTyping = (): Promise<void> => {
    const sending = rest.post(Routes.channelTyping(channelId)).then(
      () => undefined,
      (error: unknown) => {
        // Typing is cosmetic: a failure here must not fail the turn.
        logger.warn({ err: toPlatformError(error, 'typing'), channelId }, 'discord typing indicator failed');
      },
    );
    typingInFlight = sending;
    return sending;
  };

  const stopTyping = (): void => {
    if (typingTimer) clearInterval(typingTimer);
    typingTimer = undefined;
  };

  const post = async (content: string, asReply: boolean): Promise<PostedMessage> => {
    const body: RESTPostAPIChannelMessageJSONBody = { content, allowed_mentions: allowedMentions() };
    if (asReply && target.replyToMessageId) {
      // Still post when the question was deleted meanwhile.
      body.message_reference = { message_id: target.replyToMessageId, fail_if_not_exists: false };
    }
    const message = (await rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
    return { channelId, messageId: message.id };
  };

  /** Writes `content` into the `index`-th message of the reply: edits it when it exists, else posts it. */
  const write = async (index: number, content: string): Promise<void> => {
    const existing = posted[index];
    if (existing) {
      const body: RESTPatchAPIChannelMessageJSONBody = { content, allowed_mentions: allowedMentions() };
      try {
        await rest.patch(Routes.channelMessage(existing.channelId, existing.messageId), { body });
        return;
      } catch (error) {
        // Someone deleted it: post it again rather than fail the turn.
        if (!isUnknownMessage(error)) throw error;
        posted[index] = await post(content, index === 0);
        await options.onPosted([...posted]);
        return;
      }
    }
    posted.push(await post(content, index === 0));
    await options.onPosted([...posted]);
  };

  const throttle = createLatestThrottle<string>({
    intervalMs: timings.editIntervalMs,
    send: async (text) => {
      // While streaming only the first message is shown; the rest appears with `finish`.
      const content = splitMessage(text)[0];
      if (content === undefined || content === firstContent) return;
      await write(0, content);
      firstContent = content;
    },
    onError: (error) =>
      logger.warn(
        { err: toPlatformError(error, 'streamed edit'), channelId },
        'discord streamed edit failed',
      ),
  });

  return {
    async showWorking() {
      if (finished || typingTimer) return;
      typingStartedAt = Date.now();
      typingTimer = setInterval(() => {
        if (Date.now() - typingStartedAt >= timings.maxTypingMs) stopTyping();
        else void sendTyping();
      }, timings.typingIntervalMs);
      typingTimer.unref();
      await sendTyping();
    },

    update(textSoFar) {
      if (!finished && textSoFar.trim() !== '') throttle.push(textSoFar);
    },

    async finish(text) {
      finished = true;
      stopTyping();
      // A renewal landing after the final message would show "typing…" for 10 s under the answer.
      // Bounded, so a slow typing call (rate limit, timeout) cannot hold up the answer.
      if (typingInFlight) await Promise.race([typingInFlight, delay(2_000)]);
      await throttle.settle();
      const parts = splitMessage(text);
      if (parts.length === 0) parts.push(EMPTY_REPLY);
      try {
        for (const [index, part] of parts.entries()) {
          if (index === 0 && part === firstContent) continue;
          await write(index, part);
        }
        // A re-run whose text came out shorter than the earlier attempt's: remove the surplus messages.
        if (posted.length > parts.length) {
          for (const surplus of posted.slice(parts.length)) {
            await rest.delete(Routes.channelMessage(surplus.channelId, surplus.messageId)).catch((error) => {
              if (!isUnknownMessage(error)) throw error;
            });
          }
          posted.length = parts.length;
          await options.onPosted([...posted]);
        }
      } catch (error) {
        throw toPlatformError(error, 'posting the reply');
      }
      logger.debug({ channelId, parts: parts.length }, 'discord reply posted');
    },
  };
}

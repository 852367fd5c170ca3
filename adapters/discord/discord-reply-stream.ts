import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import type { OpenReplyOptions, ReplyDetails, ReplyStream } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import type { AnswerRefs } from '../../src/usage/answer-refs.ts';
import { createLatestThrottle } from '../shared/latest-throttle.ts';
import { createReplyMessages, type ReplyMessages } from '../shared/reply-messages.ts';
import { type ComponentsFor, createDiscordMessageDriver } from './discord-message-driver.ts';
import { isUnknownMessage, toPlatformError } from './discord-rest.ts';
import { addFeedbackReactions } from './feedback-reactions.ts';
import { splitMessage } from './split-message.ts';
import { stopButtonRow } from './stop-button.ts';
import { toolUseLine } from './tool-use-line.ts';
import { createTypingIndicator, type TypingTimings } from './typing-indicator.ts';

/** Timings of a reply stream. */
export interface ReplyStreamTimings extends TypingTimings {
  /** Least time between two streamed edits. */
  editIntervalMs: number;
}

/** What a reply stream works with besides the turn's target and options. */
export interface ReplyStreamDeps {
  /** Stream timings. */
  timings: ReplyStreamTimings;
  /** Logger. */
  logger: Logger;
  /** Where answers' messages are remembered for reactions; without it answers get no 👍/👎. */
  answerRefs?: AnswerRefs;
}

/** Shown when the model produced nothing: Discord refuses empty messages. */
const EMPTY_REPLY = '_(no reply)_';

/**
 * One turn's reply on Discord: typing, one message edited while streaming (with a Stop button while the model
 * writes, when the turn can be stopped), then the final parts — the model's answer with the bot's own 👍 and 👎
 * under its last message, for feedback.
 */
export function createDiscordReplyStream(
  rest: REST,
  target: ReplyTarget,
  options: OpenReplyOptions,
  deps: ReplyStreamDeps,
): ReplyStream {
  const { timings, logger } = deps;
  const channelId = target.channelId;
  let finished = false;
  // Whether the first message was last written with the Stop button: the final write must take it away.
  let stopShown = false;
  const componentsFor: ComponentsFor = (at) => {
    const first = at === 0 || (typeof at !== 'number' && at.messageId === messages.posted[0]?.messageId);
    if (!first || !options.stoppable) return undefined;
    if (!finished) {
      stopShown = true;
      return stopButtonRow(options.stoppable);
    }
    if (!stopShown) return undefined;
    stopShown = false;
    return [];
  };
  const messages = createReplyMessages(
    createDiscordMessageDriver(rest, target, componentsFor),
    options.previous,
    options.onPosted,
  );
  const typing = createTypingIndicator(rest, channelId, timings, logger);

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
      // Not awaited: the model is asked at once, while Discord is told the bot is typing.
      if (!finished) void typing.start();
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

    async finish(text, details) {
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
      // The final text was already shown as streamed, so no write carried the button away.
      if (stopShown) await removeStopButton(rest, messages, logger);
      logger.debug({ channelId, parts: parts.length }, 'discord reply posted');
      await inviteFeedback(rest, messages, details, deps);
    },
  };
}

/** Takes the Stop button off the first message; a failure leaves a button that stops nothing, so it is logged. */
async function removeStopButton(rest: REST, messages: ReplyMessages, logger: Logger): Promise<void> {
  const first = messages.posted[0];
  if (!first) return;
  await rest
    .patch(Routes.channelMessage(first.channelId, first.messageId), { body: { components: [] } })
    .catch((error: unknown) =>
      logger.warn(
        { err: toPlatformError(error, 'removing the Stop button'), channelId: first.channelId },
        'discord Stop button not removed',
      ),
    );
}

/**
 * Under the model's answer (never an error or a command's answer): remembers which answer its last message is,
 * so a reaction there can be recorded, then adds the bot's 👍 and 👎. Neither ever fails the answer.
 */
async function inviteFeedback(
  rest: REST,
  messages: ReplyMessages,
  details: ReplyDetails | undefined,
  deps: ReplyStreamDeps,
): Promise<void> {
  const last = messages.posted.at(-1);
  if (!details?.answer || details.isError || !deps.answerRefs || !last) return;
  try {
    await deps.answerRefs.remember(last.messageId, details.answer);
  } catch (error) {
    // Votes could not be told apart from reactions on any message, so none are asked for.
    deps.logger.warn(
      { err: error, sessionId: details.answer.sessionId },
      'answer not remembered; no feedback reactions',
    );
    return;
  }
  await addFeedbackReactions(rest, last, deps.logger);
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

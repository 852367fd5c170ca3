import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { ConfirmQuestion } from '../../src/tools/tool-confirmation.ts';
import type { ReplyChannel } from '../../src/turn/reply-channel.ts';
import type { AnswerRefs } from '../../src/usage/answer-refs.ts';
import { respondToInvoker } from './discord-command-response.ts';
import { createDiscordReplyStream, type ReplyStreamTimings } from './discord-reply-stream.ts';
import { createDiscordRest, type DiscordRestOptions, deleteMessages } from './discord-rest.ts';
import { askDiscordConfirmation } from './tool-confirm-message.ts';

/** Options of `createDiscordReplyChannel`. */
export interface DiscordReplyChannelOptions {
  /** Discord settings (token, REST base). */
  config: NonNullable<Config['discord']>;
  /** Process logger. */
  logger: Logger;
  /** REST client tuning (rate-limit waits, retries, timeouts). */
  rest?: DiscordRestOptions;
  /** Stream timings; defaults: an edit per second, typing renewed every 8 s for at most 10 minutes. */
  timings?: Partial<ReplyStreamTimings>;
  /**
   * Where answers' messages are remembered, so the ingress can record 👍/👎 reactions on them; with it each
   * answer of the model gets the bot's own 👍 and 👎. Without it answers get none.
   */
  answerRefs?: AnswerRefs;
}

/**
 * The sending side of Discord for workers: REST only, no gateway connection. Each reply shows typing,
 * streams into one message (throttled edits, a Stop button on it), then settles into as many messages as
 * 2,000 characters need, the model's answers with 👍 and 👎 under them.
 * Command answers go only to the invoker, through the interaction's deferred ephemeral reply.
 */
export function createDiscordReplyChannel(options: DiscordReplyChannelOptions): ReplyChannel {
  const rest = createDiscordRest(options.config.token, options.config.apiUrl, options.rest);
  const timings: ReplyStreamTimings = {
    editIntervalMs: options.timings?.editIntervalMs ?? 1_000,
    typingIntervalMs: options.timings?.typingIntervalMs ?? 8_000,
    maxTypingMs: options.timings?.maxTypingMs ?? 600_000,
  };
  const logger = options.logger.child({ platform: 'discord' });
  return {
    platform: 'discord',
    openReply(target, replyOptions) {
      if (target.platform !== 'discord') {
        throw new Error(`the Discord reply channel cannot answer a ${target.platform} turn`);
      }
      const deps = { timings, logger, answerRefs: options.answerRefs };
      return Object.assign(createDiscordReplyStream(rest, target, replyOptions, deps), {
        askToConfirm: (question: ConfirmQuestion) => askDiscordConfirmation(rest, target, question, logger),
      });
    },
    async respond(target, response) {
      if (target.platform !== 'discord') {
        throw new Error(`the Discord reply channel cannot answer a ${target.platform} command`);
      }
      await respondToInvoker(rest, target, response, logger);
    },
    async deleteReply(target, posted) {
      if (target.platform !== 'discord') {
        throw new Error(`the Discord reply channel cannot delete a ${target.platform} reply`);
      }
      await deleteMessages(rest, posted);
    },
  };
}

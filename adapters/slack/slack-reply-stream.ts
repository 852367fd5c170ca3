import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import type {
  OpenReplyOptions,
  PostedMessage,
  ReplyDetails,
  ReplyStream,
} from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { createLatestThrottle } from '../shared/latest-throttle.ts';
import { createReplyMessages, type ReplyMessages } from '../shared/reply-messages.ts';
import { feedbackBlock, sectionBlocks } from './answer-blocks.ts';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
import { type ReplyStreamShared, showThinkingStatus } from './show-thinking-status.ts';
import { showToolStatus } from './show-tool-status.ts';
import { callSlack } from './slack-errors.ts';
import { createSlackMessageDriver } from './slack-message-driver.ts';
import { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';

/** Text of the placeholder posted while the model thinks (where no native status can be shown). */
export const PLACEHOLDER_TEXT = '_Thinking…_';
/** Shown when the model's final answer is empty, so the placeholder does not stay forever. */
export const EMPTY_REPLY_TEXT = '_(no answer)_';

/** Options of `createSlackReplyStream`. */
export interface SlackReplyStreamOptions extends OpenReplyOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Where the reply goes. */
  target: ReplyTarget;
  /** Logger. */
  logger: Logger;
  /** State shared by all replies of one channel object. */
  shared: ReplyStreamShared;
  /** Minimum time between two streaming edits of the reply. */
  editIntervalMs: number;
  /** Most characters per message. */
  messageLimit?: number;
  /** Post broadcasts of the model's text (`<!channel>`, `<!here>`, …) as real pings; default: as plain text. */
  allowBroadcastMentions?: boolean;
  /** The workspace budget every `chat.update` waits for (default: none). */
  limiter?: RateLimiter;
  /** Show only the final answer, no streaming edits (`SLACK_STREAMING=off`). */
  finalOnly?: boolean;
}

/**
 * One reply in a Slack thread (or a DM's top level). While the model writes, the newest text is shown by
 * editing the reply's message(s) at most once per interval; `finish` writes the final text, split into
 * several messages when long. Messages an earlier run posted (`previous`) are edited, never posted again.
 */
export function createSlackReplyStream(options: SlackReplyStreamOptions): ReplyStream & {
  finish(text: string, details?: ReplyDetails): Promise<void>;
} {
  const { client, target, logger, shared } = options;
  const limit = options.messageLimit ?? SLACK_MESSAGE_LIMIT;
  const toMrkdwn = (markdown: string) =>
    markdownToMrkdwn(markdown, { allowBroadcastMentions: options.allowBroadcastMentions });
  const workspace = target.workspaceId ?? target.channelId;
  const limiter = options.limiter;
  // The final answer's last message carries the feedback buttons: set in `finish`, used by the post or edit.
  let final: { text: string; blocks: unknown[]; written: boolean } | undefined;
  // Tokens a streaming step already took for the edits it makes (see the throttle's send below).
  let prepaid = 0;
  const driver = createSlackMessageDriver(
    client,
    target,
    logger,
    () => {
      if (prepaid > 0) {
        prepaid -= 1;
        return Promise.resolve();
      }
      return limiter ? limiter.acquire(workspace) : Promise.resolve();
    },
    (text) => {
      if (final?.text !== text) return undefined;
      final.written = true;
      return final.blocks;
    },
  );
  const messages = createReplyMessages(driver, options.previous, options.onPosted);
  let working: Promise<void> = Promise.resolve();
  let finished = false;

  const throttle = createLatestThrottle<string>({
    intervalMs: options.editIntervalMs,
    send: async (textSoFar) => {
      // The throttle starts a send inside `update`: yield once, so a `showWorking` begun in the same tick
      // is what this send waits for.
      await Promise.resolve();
      await working.catch(() => {});
      if (finished) return;
      // A streaming edit never queues behind the workspace budget: spent, this step is skipped and the next
      // (or the final write, which does wait) carries the text. Many streams then slow their steps, not answers.
      if (limiter && messages.posted.length > 0) {
        if (!(await limiter.tryAcquire(workspace))) return;
        prepaid = 1;
      }
      try {
        await messages.writeAll(splitMessage(toMrkdwn(textSoFar), limit));
      } finally {
        prepaid = 0;
      }
    },
    onError: (error) => logger.warn({ err: error, channel: target.channelId }, 'streaming edit failed'),
  });

  /** Puts the feedback buttons under the answer's last message (its text as sections above them). */
  const addFeedback = async (last: PostedMessage | undefined, part: string, blocks: unknown[]) => {
    if (!last) return;
    await limiter?.acquire(workspace);
    await callSlack('chat.update', () =>
      client.chat.update({
        channel: last.channelId,
        ts: last.messageId,
        text: part,
        blocks: blocks as never,
        link_names: false,
      }),
    );
  };

  const showWorking = async (): Promise<void> => {
    if (messages.posted.length > 0) return; // a re-run: the earlier reply is edited in place
    if (await showThinkingStatus(client, target, shared, logger)) return;
    await messages.append(PLACEHOLDER_TEXT);
  };

  return {
    showWorking() {
      working = showWorking();
      return working;
    },
    showToolUse: (names) => showToolStatus(client, target, shared, names, logger),
    update(textSoFar) {
      if (finished || options.finalOnly || textSoFar.trim() === '') return;
      throttle.push(textSoFar);
    },
    async finish(text, details) {
      finished = true;
      await throttle.settle();
      await working.catch(() => {});
      const mrkdwn = toMrkdwn(text).trim();
      const parts = splitMessage(mrkdwn === '' ? EMPTY_REPLY_TEXT : mrkdwn, limit);
      const last = parts.at(-1)!;
      if (details?.answer) {
        final = {
          text: last,
          blocks: [...sectionBlocks(last), feedbackBlock(details.answer)],
          written: false,
        };
      }
      await messages.writeAll(parts);
      await deleteLeftovers(client, messages, parts.length, logger);
      // The last streamed edit already showed the final text, so no write carried the buttons: add them.
      if (final && !final.written) await addFeedback(messages.posted.at(-1), last, final.blocks);
    },
  };
}

/**
 * A re-run whose answer is shorter than the first attempt's: drops the leftover messages, last first. A
 * failed delete is only logged (the answer itself is complete); each drop is recorded.
 */
async function deleteLeftovers(
  client: webApi.WebClient,
  messages: ReplyMessages,
  count: number,
  logger: Logger,
): Promise<void> {
  while (messages.posted.length > count) {
    const extra = messages.posted[messages.posted.length - 1]!;
    await callSlack('chat.delete', () =>
      client.chat.delete({ channel: extra.channelId, ts: extra.messageId }),
    ).catch((error: unknown) =>
      logger.warn({ err: error, ts: extra.messageId }, 'could not delete a leftover reply'),
    );
    await messages.truncate(messages.posted.length - 1);
  }
}

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
import { createDeferredIndicator } from '../shared/deferred-indicator.ts';
import { createLatestThrottle } from '../shared/latest-throttle.ts';
import {
  createReplyMessages,
  type ReplyMessageDriver,
  type ReplyMessages,
} from '../shared/reply-messages.ts';
import { feedbackBlock, sectionBlocks } from './answer-blocks.ts';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
import { type ReplyStreamShared, showThinkingStatus } from './show-thinking-status.ts';
import { showToolStatus } from './show-tool-status.ts';
import { callSlack } from './slack-errors.ts';
import { createSlackMessageDriver } from './slack-message-driver.ts';
import { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';
import { stopBlock } from './stop-control.ts';

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
  /** How long the model may take before "thinking…" is shown (default 0: at once, awaited). */
  statusDelayMs?: number;
}

/**
 * One reply in a Slack thread (or a DM's top level). While the model writes, the newest text is shown by
 * editing the reply's message(s) at most once per interval; `finish` writes the final text, split into
 * several messages when long. Messages an earlier run posted (`previous`) are edited, never posted again.
 * Until the answer is final, the message being edited carries the Stop button (`stopBlock`, when a Stop can
 * end the answer); the final write takes it away, leaving the feedback buttons under the last message.
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
  // The message being edited while the answer is written carries the Stop button (when a Stop can end it).
  const stop = stopBlock(options.stoppable);
  // The text of that message (the last part so far); every other message is written without the button.
  let current: string | undefined;
  // The final answer's last message carries the feedback buttons (set in `finish`, used by the post or edit).
  let final: { text: string; blocks: unknown[] | undefined } | undefined;
  // What each message was last written with, by ts, so `finish` knows which still show a Stop button.
  const written = new Map<string, { blocks: unknown[] | undefined; stop: boolean }>();
  let blocks: unknown[] | undefined;
  const blocksFor = (text: string): unknown[] | undefined => {
    if (final) blocks = text === final.text ? final.blocks : stop ? sectionBlocks(text) : undefined;
    else if (!stop) blocks = undefined;
    else blocks = text === current ? [...sectionBlocks(text), stop] : sectionBlocks(text);
    return blocks;
  };
  const note = (message: PostedMessage) =>
    written.set(message.messageId, { blocks, stop: stop !== undefined && blocks?.includes(stop) === true });
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
    blocksFor,
  );
  const noting: ReplyMessageDriver = {
    async post(text, index) {
      const posted = await driver.post(text, index);
      note(posted);
      return posted;
    },
    async edit(message, text) {
      const edited = await driver.edit(message, text);
      if (edited) note(message);
      return edited;
    },
  };
  const messages = createReplyMessages(noting, options.previous, options.onPosted);
  const showWorking = async (): Promise<void> => {
    if (messages.posted.length > 0) return; // a re-run: the earlier reply is edited in place
    if (await showThinkingStatus(client, target, shared, logger)) return;
    current = PLACEHOLDER_TEXT;
    await messages.append(PLACEHOLDER_TEXT);
  };
  const working = createDeferredIndicator(showWorking, options.statusDelayMs ?? 0, (error) =>
    logger.warn({ err: error, channel: target.channelId }, 'could not show the working indicator'),
  );
  let finished = false;

  const throttle = createLatestThrottle<string>({
    intervalMs: options.editIntervalMs,
    send: async (textSoFar) => {
      // The throttle starts a send inside `update`: yield to the event loop once, so a `showWorking` begun in
      // the same tick is what this send waits for, and an answer that arrived whole (its last chunk read with its
      // first) is left to `finish`, which posts it in one call — no post and then a `chat.update` under the
      // workspace budget.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await working.settle();
      if (finished) return;
      // A streaming edit never queues behind the workspace budget: spent, this step is skipped and the next
      // (or the final write, which does wait) carries the text. Many streams then slow their steps, not answers.
      if (limiter && messages.posted.length > 0) {
        if (!(await limiter.tryAcquire(workspace))) return;
        prepaid = 1;
      }
      try {
        const parts = splitMessage(toMrkdwn(textSoFar), limit);
        current = parts.at(-1);
        await messages.writeAll(parts);
      } finally {
        prepaid = 0;
      }
    },
    onError: (error) => logger.warn({ err: error, channel: target.channelId }, 'streaming edit failed'),
  });

  /** Rewrites a message the final write skipped (its text was already there) with the blocks it must end with. */
  const rewrite = async (message: PostedMessage, part: string, finalBlocks: unknown[]) => {
    await limiter?.acquire(workspace);
    await callSlack('chat.update', () =>
      client.chat.update({
        channel: message.channelId,
        ts: message.messageId,
        text: part,
        blocks: finalBlocks as never,
        link_names: false,
      }),
    );
    written.set(message.messageId, { blocks: finalBlocks, stop: false });
  };

  return {
    showWorking: () => working.start(),
    async showToolUse(names) {
      // A "thinking…" still to come would replace the tools' status.
      await working.settle();
      await showToolStatus(client, target, shared, names, logger);
    },
    update(textSoFar) {
      if (finished || options.finalOnly || textSoFar.trim() === '') return;
      throttle.push(textSoFar);
    },
    async finish(text, details) {
      finished = true;
      await throttle.settle();
      await working.settle();
      const mrkdwn = toMrkdwn(text).trim();
      const parts = splitMessage(mrkdwn === '' ? EMPTY_REPLY_TEXT : mrkdwn, limit);
      const last = parts.at(-1)!;
      const feedback = details?.answer ? [...sectionBlocks(last), feedbackBlock(details.answer)] : undefined;
      // Without feedback buttons, a message that showed Stop still needs blocks: without them Slack keeps the old.
      final = { text: last, blocks: feedback ?? (stop ? sectionBlocks(last) : undefined) };
      await messages.writeAll(parts);
      await deleteLeftovers(client, messages, parts.length, logger);
      // A write skipped because the text was already shown left that message's buttons as they were.
      for (const [index, message] of messages.posted.entries()) {
        const seen = written.get(message.messageId);
        const part = parts[index]!;
        if (index === parts.length - 1) {
          if (final.blocks && seen?.blocks !== final.blocks) await rewrite(message, part, final.blocks);
        } else if (seen?.stop) {
          await rewrite(message, part, sectionBlocks(part));
        }
      }
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

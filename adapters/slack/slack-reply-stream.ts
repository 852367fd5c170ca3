import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { OpenReplyOptions, PostedMessage, ReplyStream } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
import { slackErrorCode, toPlatformError } from './slack-errors.ts';
import { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';
import { createCoalescingThrottle } from './throttle.ts';

/** Text of the placeholder posted while the model thinks (where no native status can be shown). */
export const PLACEHOLDER_TEXT = '_Thinking…_';
/** Shown when the model's final answer is empty, so the placeholder does not stay forever. */
export const EMPTY_REPLY_TEXT = '_(no answer)_';

/** Error codes after which `assistant.threads.setStatus` will not work for this app at all. */
const STATUS_UNAVAILABLE = new Set([
  'missing_scope',
  'unknown_method',
  'not_allowed_token_type',
  'method_deprecated',
  'no_permission',
]);
/** Error codes of `chat.update` meaning the message is gone or no longer ours to edit. */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Shared between all replies of one channel object. */
export interface ReplyStreamShared {
  /** False once Slack said the thinking status is not available to this app. */
  statusAvailable: boolean;
}

/** Options of `createSlackReplyStream`. */
export interface SlackReplyStreamOptions extends OpenReplyOptions {
  client: webApi.WebClient;
  target: ReplyTarget;
  logger: Logger;
  shared: ReplyStreamShared;
  /** Minimum time between two streaming edits of the reply. */
  editIntervalMs: number;
  /** Most characters per message. */
  messageLimit?: number;
}

/**
 * One reply in a Slack thread (or a DM's top level). While the model writes, the newest text is shown by
 * editing the reply's message(s) at most once per interval; `finish` writes the final text, split into
 * several messages when long. Messages an earlier run posted (`previous`) are edited, never posted again.
 */
export function createSlackReplyStream(options: SlackReplyStreamOptions): ReplyStream & {
  finish(text: string, details?: unknown): Promise<void>;
} {
  const { client, target, logger, shared } = options;
  const limit = options.messageLimit ?? SLACK_MESSAGE_LIMIT;
  const posted: PostedMessage[] = options.previous.map((message) => ({ ...message }));
  // What each message is known to show (only messages this run wrote): identical edits are skipped.
  const shown = new Map<number, string>();
  let working: Promise<void> = Promise.resolve();
  let finished = false;

  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toPlatformError(method, error);
    }
  };

  const record = () => options.onPosted(posted.map((message) => ({ ...message })));

  /** Posts one message of the reply (in the thread, if any) and returns where it went. */
  const postMessage = async (text: string): Promise<PostedMessage> => {
    const result = await call('chat.postMessage', () =>
      client.chat.postMessage({
        channel: target.channelId,
        thread_ts: target.threadId,
        text,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (typeof result.ts !== 'string') {
      throw toPlatformError('chat.postMessage', new Error('no ts in the answer'));
    }
    return { channelId: result.channel ?? target.channelId, messageId: result.ts };
  };

  const post = async (text: string): Promise<void> => {
    posted.push(await postMessage(text));
    shown.set(posted.length - 1, text);
    await record();
  };

  const edit = async (index: number, text: string): Promise<void> => {
    const message = posted[index]!;
    try {
      await client.chat.update({ channel: message.channelId, ts: message.messageId, text });
      shown.set(index, text);
    } catch (error) {
      if (!MESSAGE_GONE.has(slackErrorCode(error) ?? '')) throw toPlatformError('chat.update', error);
      // Someone deleted it (or it is too old to edit): post a replacement and remember that one instead.
      logger.warn(
        { channel: message.channelId, ts: message.messageId },
        'reply message is gone; posting it again',
      );
      posted[index] = await postMessage(text);
      shown.set(index, text);
      await record();
    }
  };

  /** Brings the posted messages in line with `parts`: edits what changed, posts what is missing. */
  const render = async (parts: string[]): Promise<void> => {
    for (let index = 0; index < parts.length; index++) {
      const text = parts[index]!;
      if (index < posted.length) {
        if (shown.get(index) !== text) await edit(index, text);
      } else {
        await post(text);
      }
    }
  };

  const throttle = createCoalescingThrottle<string>({
    intervalMs: options.editIntervalMs,
    send: async (textSoFar) => {
      await working.catch(() => {});
      if (finished) return;
      await render(splitMessage(markdownToMrkdwn(textSoFar), limit));
    },
    onError: (error) => logger.warn({ err: error, channel: target.channelId }, 'streaming edit failed'),
  });

  const showWorking = async (): Promise<void> => {
    if (posted.length > 0) return; // a re-run: the earlier reply is edited in place
    if (target.threadId !== undefined && shared.statusAvailable) {
      try {
        await client.assistant.threads.setStatus({
          channel_id: target.channelId,
          thread_ts: target.threadId,
          status: 'is thinking…',
        });
        return;
      } catch (error) {
        const code = slackErrorCode(error);
        if (code !== undefined && STATUS_UNAVAILABLE.has(code)) shared.statusAvailable = false;
        logger.debug(
          { code, channel: target.channelId },
          'thinking status unavailable; posting a placeholder',
        );
      }
    }
    await post(PLACEHOLDER_TEXT);
  };

  return {
    showWorking() {
      working = showWorking();
      return working;
    },
    update(textSoFar) {
      if (finished || textSoFar.trim() === '') return;
      throttle.push(textSoFar);
    },
    async finish(text) {
      finished = true;
      await throttle.settle();
      await working.catch(() => {});
      const mrkdwn = markdownToMrkdwn(text).trim();
      const parts = splitMessage(mrkdwn === '' ? EMPTY_REPLY_TEXT : mrkdwn, limit);
      await render(parts);
      // A re-run whose answer is shorter than the first attempt's: drop the leftover messages.
      while (posted.length > parts.length) {
        const extra = posted[posted.length - 1]!;
        await call('chat.delete', () =>
          client.chat.delete({ channel: extra.channelId, ts: extra.messageId }),
        ).catch((error: unknown) =>
          logger.warn({ err: error, ts: extra.messageId }, 'could not delete a leftover reply'),
        );
        posted.pop();
        await record();
      }
    },
  };
}

import { webApi } from '@slack/bolt';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import { createMemoryTokenBuckets } from '../../src/rate-limit/memory-token-buckets.ts';
import { createRateLimiter, SLACK_TIER_3, type TokenBuckets } from '../../src/rate-limit/rate-limiter.ts';
import type { ConfirmQuestion } from '../../src/tools/tool-confirmation.ts';
import type { PostedMessage, ReplyChannel, ReplyStream } from '../../src/turn/reply-channel.ts';
import { feedbackBlock } from './answer-blocks.ts';
import { createCommandResponder } from './command-responder.ts';
import { createNativeReplyStream } from './native-reply-stream.ts';
import type { ReplyStreamShared } from './show-thinking-status.ts';
import { type SlackRetryPolicy, slackClientOptions } from './slack-client-options.ts';
import { slackErrorCode, toPlatformError } from './slack-errors.ts';
import { toSlackLogger } from './slack-logger.ts';
import { createSlackReplyStream } from './slack-reply-stream.ts';
import { isDirectMessageChannel } from './slack-session-id.ts';
import { askSlackConfirmation } from './tool-confirm-message.ts';

/** Options of `createSlackReplyChannel`. */
export interface SlackReplyChannelOptions {
  /** Slack configuration (bot token, API URL). */
  config: NonNullable<Config['slack']>;
  /** Logger. */
  logger: Logger;
  /** Retry policy of Web API calls (default: 3 retries, `Retry-After` honoured). */
  retryConfig?: SlackRetryPolicy;
  /** Minimum time between streaming edits of one reply (default 1 s, Slack's comfortable edit rate). */
  editIntervalMs?: number;
  /** Most characters per message (default 3,500). */
  messageLimit?: number;
  /** Timeout of one post to a slash command's `response_url` (default 10 s). */
  responseUrlTimeoutMs?: number;
  /**
   * Post `<!channel>`, `<!here>`, `<!everyone>` and user-group mentions of model output as real pings
   * (default: `config.allowBroadcastMentions`, i.e. `ALLOW_BROADCAST_MENTIONS`; unset: as plain text).
   */
  allowBroadcastMentions?: boolean;
  /** How answers stream (default `config.streaming`, i.e. `SLACK_STREAMING`; unset: `native`). */
  streaming?: 'native' | 'edit' | 'off';
  /**
   * The per-workspace budget of `chat.update` and `chat.appendStream` (Tier 3), shared by every reply of this
   * channel (default: in this process's memory; with several workers, pass buckets on Redis).
   */
  buckets?: TokenBuckets;
  /**
   * How long the model may take before the reply shows "thinking…" (the status, or the placeholder where no
   * status can be shown); default `STATUS_DELAY_MS`. 0 shows it at once, before the model is asked.
   */
  statusDelayMs?: number;
}

/**
 * Default of `statusDelayMs`: an answer whose first words come sooner is simply written, without a status
 * flashing before it or a Web API call spent on it, and the model is asked without waiting for Slack.
 */
export const STATUS_DELAY_MS = 300;

/**
 * The sending side of Slack for workers: a WebClient with the bot token, no inbound connection. Replies are
 * posted (and streamed) in the thread or DM; command answers go only to the invoker (see
 * `createCommandResponder`). Neither pings a whole channel or user group unless broadcasts are allowed.
 */
export function createSlackReplyChannel(options: SlackReplyChannelOptions): ReplyChannel {
  const logger = options.logger.child({ platform: 'slack' });
  const client = new webApi.WebClient(
    options.config.botToken,
    slackClientOptions(options.config, {
      logger: toSlackLogger(logger.child({ component: 'slack-web-api' })),
      retryConfig: options.retryConfig,
    }),
  );
  const shared: ReplyStreamShared = { statusAvailable: true, nativeStreamingAvailable: true };
  const limiter = createRateLimiter(options.buckets ?? createMemoryTokenBuckets(SLACK_TIER_3));
  const streaming = options.streaming ?? options.config.streaming ?? 'native';
  const allowBroadcastMentions =
    options.allowBroadcastMentions ?? options.config.allowBroadcastMentions === true;
  const respond = createCommandResponder({
    client,
    logger,
    apiUrl: options.config.apiUrl,
    messageLimit: options.messageLimit,
    responseUrlTimeoutMs: options.responseUrlTimeoutMs,
    allowBroadcastMentions,
  });
  return {
    platform: 'slack',
    respond,
    deleteReply: (_target, posted) => deletePosted(client, posted),
    openReply(target, replyOptions) {
      const common = {
        ...replyOptions,
        client,
        logger,
        shared,
        limiter,
        editIntervalMs: options.editIntervalMs ?? 1_000,
        statusDelayMs: options.statusDelayMs ?? STATUS_DELAY_MS,
        messageLimit: options.messageLimit,
        allowBroadcastMentions,
      };
      // Tool confirmations are messages of their own in the thread, whichever way the answer streams.
      const asking = (stream: ReplyStream): ReplyStream =>
        Object.assign(stream, {
          askToConfirm: (question: ConfirmQuestion) => askSlackConfirmation(client, target, question, common),
        });
      const edited = () =>
        asking(createSlackReplyStream({ ...common, target, finalOnly: streaming === 'off' }));
      const { threadId } = target;
      // Slack streams into threads only; outside a DM a stream is addressed to its recipient (the asker), so a
      // channel thread streams natively only when the turn names one (older queued turns do not). A re-run
      // edits what the interrupted run posted.
      const native =
        streaming === 'native' &&
        shared.nativeStreamingAvailable !== false &&
        threadId !== undefined &&
        (isDirectMessageChannel(target.channelId) || target.recipient?.teamId !== undefined) &&
        replyOptions.previous.length === 0;
      if (!native) return edited();
      return asking(
        createNativeReplyStream({
          ...common,
          target: { ...target, threadId },
          fallback: edited,
          finalBlocks: (details) => (details?.answer ? [feedbackBlock(details.answer)] : undefined),
        }),
      );
    },
  };
}

/**
 * Deletes the bot's messages one by one, oldest first; one already gone (`message_not_found`, deleted by a
 * person or an earlier attempt) is skipped, any other failure thrown as `PlatformError`.
 */
async function deletePosted(client: webApi.WebClient, posted: PostedMessage[]): Promise<void> {
  for (const message of posted) {
    try {
      await client.chat.delete({ channel: message.channelId, ts: message.messageId });
    } catch (error) {
      if (slackErrorCode(error) === 'message_not_found') continue;
      throw toPlatformError('chat.delete', error);
    }
  }
}

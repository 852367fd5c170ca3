import { webApi } from '@slack/bolt';
import type { Config } from '../../src/app/config.ts';
import type { Logger } from '../../src/app/logger.ts';
import type { PostedMessage, ReplyChannel } from '../../src/turn/reply-channel.ts';
import { createCommandResponder } from './command-responder.ts';
import type { ReplyStreamShared } from './show-thinking-status.ts';
import { type SlackRetryPolicy, slackClientOptions } from './slack-client-options.ts';
import { slackErrorCode, toPlatformError } from './slack-errors.ts';
import { toSlackLogger } from './slack-logger.ts';
import { createSlackReplyStream } from './slack-reply-stream.ts';

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
}

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
  const shared: ReplyStreamShared = { statusAvailable: true };
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
      return createSlackReplyStream({
        ...replyOptions,
        client,
        target,
        logger,
        shared,
        editIntervalMs: options.editIntervalMs ?? 1_000,
        messageLimit: options.messageLimit,
        allowBroadcastMentions,
      });
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

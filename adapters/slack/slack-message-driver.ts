import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import type { ReplyMessageDriver } from '../shared/reply-messages.ts';
import { callSlack, slackErrorCode, toPlatformError } from './slack-errors.ts';

/** Error codes of `chat.update` meaning the message is gone or no longer ours to edit. */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/**
 * Posts a reply's messages in the target's thread (if any), without unfurls, and edits them with `chat.update`.
 * `blocksFor` gives the blocks a text goes with (the final answer's feedback buttons), if any.
 * Every edit first waits for `beforeEdit` (the workspace's rate budget). `link_names` is off explicitly: with it Slack would turn a plain `@channel` or `@here` into a ping.
 */
export function createSlackMessageDriver(
  client: webApi.WebClient,
  target: ReplyTarget,
  logger: Logger,
  beforeEdit: () => Promise<void> = async () => {},
  blocksFor: (text: string) => unknown[] | undefined = () => undefined,
): ReplyMessageDriver {
  return {
    async post(text) {
      const result = await callSlack('chat.postMessage', () =>
        client.chat.postMessage({
          channel: target.channelId,
          thread_ts: target.threadId,
          text,
          ...withBlocks(blocksFor(text)),
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      if (typeof result.ts !== 'string') {
        throw toPlatformError('chat.postMessage', new Error('no ts in the answer'));
      }
      return { channelId: result.channel ?? target.channelId, messageId: result.ts };
    },
    async edit(message, text) {
      // chat.update is Tier 3 for the whole workspace: wait for the shared budget rather than meet a 429.
      await beforeEdit();
      try {
        await client.chat.update({
          channel: message.channelId,
          ts: message.messageId,
          text,
          ...withBlocks(blocksFor(text)),
          link_names: false,
        });
        return true;
      } catch (error) {
        if (!MESSAGE_GONE.has(slackErrorCode(error) ?? '')) throw toPlatformError('chat.update', error);
        // Someone deleted it (or it is too old to edit): a replacement is posted and remembered instead.
        logger.warn(
          { channel: message.channelId, ts: message.messageId },
          'reply message is gone; posting it again',
        );
        return false;
      }
    },
  };
}

/** The `blocks` argument of a post or edit, when there are blocks. */
function withBlocks(blocks: unknown[] | undefined): { blocks?: never } {
  return blocks ? { blocks: blocks as never } : {};
}

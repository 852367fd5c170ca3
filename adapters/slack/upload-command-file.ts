import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { CommandResponse } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { slackErrorCode, toPlatformError } from './slack-errors.ts';

/** Whether a command's file went up; when Slack refused it for good, its error code (if it gave one). */
export type UploadOutcome = { uploaded: true } | { uploaded: false; code: string | undefined };

/**
 * Uploads a command's file (`export`) with `files.uploadV2` into the conversation where the command ran (its
 * thread, if any), with `comment` as its message. Slack cannot upload ephemerally, so everyone there sees it.
 * A retryable failure is thrown; a refusal (most often: the bot is not in the channel) is logged and returned,
 * so the text can still reach the invoker privately.
 */
export async function uploadCommandFile(
  client: webApi.WebClient,
  target: ReplyTarget,
  file: NonNullable<CommandResponse['file']>,
  comment: string,
  logger: Logger,
): Promise<UploadOutcome> {
  const destination =
    target.threadId === undefined
      ? { channel_id: target.channelId }
      : { channel_id: target.channelId, thread_ts: target.threadId };
  try {
    await client.files.uploadV2({
      ...destination,
      filename: file.name,
      title: file.name,
      content: file.content,
      initial_comment: comment,
    });
    return { uploaded: true };
  } catch (error) {
    const failure = toPlatformError('files.uploadV2', error);
    if (failure.isRetryable) throw failure;
    logger.warn({ err: failure, channel: target.channelId }, 'Slack refused the command file');
    return { uploaded: false, code: slackErrorCode(error) };
  }
}

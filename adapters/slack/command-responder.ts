import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { CommandResponse } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
import { isTrustedResponseUrl, postToResponseUrl } from './response-url.ts';
import { slackErrorCode, toPlatformError } from './slack-errors.ts';
import { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';

/** Options of `createCommandResponder`. */
export interface CommandResponderOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** `SLACK_API_URL`: a `response_url` on its origin is trusted too (proxies, tests). */
  apiUrl: string | undefined;
  /** Most characters per message (default 3,500). */
  messageLimit?: number;
  /** Timeout of one `response_url` post (default 10 s). */
  responseUrlTimeoutMs?: number;
}

/** Answers Slack allows per `response_url`. */
const RESPONSE_URL_USES = 5;

/** Added to an export's text when Slack refused the file (most often: the bot is not in the channel). */
export function fileRefusedNote(code: string | undefined): string {
  return (
    `\n_I could not attach the file here${code ? ` (${code})` : ''}. Invite me to this channel, or run the ` +
    'command in a direct message with me._'
  );
}

/**
 * `ReplyChannel.respond` for Slack: a command's answer reaches only the person who ran it — through the slash
 * command's `response_url` (an ephemeral answer, valid 30 minutes) or, for `@bot <command>` in a thread and when
 * the URL no longer works, through `chat.postEphemeral` to them (in the thread, if any). Slack cannot upload a
 * file ephemerally, so a file (`export`) is uploaded with `files.uploadV2` into the conversation where the
 * command ran, visible to everyone there, with the answer as its comment.
 */
export function createCommandResponder(
  options: CommandResponderOptions,
): (target: ReplyTarget, response: CommandResponse) => Promise<void> {
  const { client, logger } = options;
  const limit = options.messageLimit ?? SLACK_MESSAGE_LIMIT;

  /** Uploads the file; false (after logging) when Slack refused it for good, so the text goes privately. */
  const upload = async (target: ReplyTarget, file: NonNullable<CommandResponse['file']>, comment: string) => {
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
      return { uploaded: true as const };
    } catch (error) {
      const failure = toPlatformError('files.uploadV2', error);
      if (failure.isRetryable) throw failure;
      logger.warn({ err: failure, channel: target.channelId }, 'Slack refused the command file');
      return { uploaded: false as const, code: slackErrorCode(error) };
    }
  };

  /** Posts the parts with `response_url`; returns how many went out before it stopped working. */
  const viaResponseUrl = async (url: string, parts: string[]): Promise<number> => {
    let sent = 0;
    try {
      for (const part of parts.slice(0, RESPONSE_URL_USES)) {
        await postToResponseUrl(
          url,
          { response_type: 'ephemeral', text: part },
          { timeoutMs: options.responseUrlTimeoutMs },
        );
        sent += 1;
      }
    } catch (error) {
      logger.warn({ err: error }, 'response_url failed; answering with an ephemeral message instead');
    }
    return sent;
  };

  const tellInvoker = async (target: ReplyTarget, text: string): Promise<void> => {
    const parts = splitMessage(text, limit);
    const invoker = target.invoker;
    if (!invoker) {
      // Nobody to answer privately (an older turn): the answer goes into the conversation.
      for (const part of parts) {
        await client.chat
          .postMessage({ channel: target.channelId, thread_ts: target.threadId, text: part })
          .catch((error: unknown) => {
            throw toPlatformError('chat.postMessage', error);
          });
      }
      return;
    }
    let sent = 0;
    if (invoker.responseUrl !== undefined) {
      if (isTrustedResponseUrl(invoker.responseUrl, options.apiUrl)) {
        sent = await viaResponseUrl(invoker.responseUrl, parts);
      } else {
        logger.warn({ channel: target.channelId }, 'ignoring a response_url that is not Slack’s');
      }
    }
    for (const part of parts.slice(sent)) {
      await client.chat
        .postEphemeral({
          channel: target.channelId,
          user: invoker.userId,
          thread_ts: target.threadId,
          text: part,
        })
        .catch((error: unknown) => {
          throw toPlatformError('chat.postEphemeral', error);
        });
    }
  };

  return async (target, response) => {
    const text = markdownToMrkdwn(response.text).trim() || '_(no answer)_';
    if (response.file) {
      const result = await upload(target, response.file, text);
      if (result.uploaded) return;
      await tellInvoker(target, `${text}${fileRefusedNote(result.code)}`);
      return;
    }
    await tellInvoker(target, text);
  };
}

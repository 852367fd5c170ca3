import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { CommandResponse } from '../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
import { SLACK_MESSAGE_LIMIT } from './split-message.ts';
import { type TellInvokerOptions, tellInvoker } from './tell-invoker.ts';
import { uploadCommandFile } from './upload-command-file.ts';

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
  /** Keep broadcasts (`<!channel>`, …) in answers as real pings; default: plain text (an export is public). */
  allowBroadcastMentions?: boolean;
}

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
  const tellOptions: TellInvokerOptions = {
    client,
    logger,
    apiUrl: options.apiUrl,
    messageLimit: options.messageLimit ?? SLACK_MESSAGE_LIMIT,
    responseUrlTimeoutMs: options.responseUrlTimeoutMs,
  };
  return async (target, response) => {
    const mrkdwn = markdownToMrkdwn(response.text, {
      allowBroadcastMentions: options.allowBroadcastMentions,
    });
    const text = mrkdwn.trim() || '_(no answer)_';
    if (response.file) {
      const result = await uploadCommandFile(client, target, response.file, text, logger);
      if (result.uploaded) return;
      await tellInvoker(target, `${text}${fileRefusedNote(result.code)}`, tellOptions);
      return;
    }
    await tellInvoker(target, text, tellOptions);
  };
}

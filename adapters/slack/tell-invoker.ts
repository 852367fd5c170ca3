import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { isTrustedResponseUrl, postToResponseUrl } from './response-url.ts';
import { toPlatformError } from './slack-errors.ts';
import { splitMessage } from './split-message.ts';

/** How `tellInvoker` reaches Slack. */
export interface TellInvokerOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** `SLACK_API_URL`: a `response_url` on its origin is trusted too (proxies, tests). */
  apiUrl: string | undefined;
  /** Most characters per message. */
  messageLimit: number;
  /** Timeout of one `response_url` post. */
  responseUrlTimeoutMs: number | undefined;
}

/** Answers Slack allows per `response_url`. */
const RESPONSE_URL_USES = 5;

/**
 * Sends a command's answer (mrkdwn) to whoever ran it, split into messages: through the slash command's
 * `response_url` while it works and is Slack's, then with `chat.postEphemeral` (in the thread, if any). A
 * turn without an invoker (an older turn) is answered in the conversation.
 */
export async function tellInvoker(
  target: ReplyTarget,
  text: string,
  options: TellInvokerOptions,
): Promise<void> {
  const { client, logger } = options;
  const parts = splitMessage(text, options.messageLimit);
  const invoker = target.invoker;
  if (!invoker) {
    await postInConversation(client, target, parts);
    return;
  }
  let sent = 0;
  if (invoker.responseUrl !== undefined) {
    if (isTrustedResponseUrl(invoker.responseUrl, options.apiUrl)) {
      sent = await viaResponseUrl(invoker.responseUrl, parts, options);
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
}

/** Nobody to answer privately: the answer goes into the conversation. */
async function postInConversation(
  client: webApi.WebClient,
  target: ReplyTarget,
  parts: string[],
): Promise<void> {
  for (const part of parts) {
    await client.chat
      .postMessage({ channel: target.channelId, thread_ts: target.threadId, text: part })
      .catch((error: unknown) => {
        throw toPlatformError('chat.postMessage', error);
      });
  }
}

/** Posts the parts with `response_url`; returns how many went out before it stopped working. */
async function viaResponseUrl(url: string, parts: string[], options: TellInvokerOptions): Promise<number> {
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
    options.logger.warn({ err: error }, 'response_url failed; answering with an ephemeral message instead');
  }
  return sent;
}

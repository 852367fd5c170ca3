import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { resetConfirmation } from './reset-command.ts';
import { isDirectMessageChannel, parseSlackSessionId, type SlackSessionScope } from './slack-session-id.ts';
import type { SlackMessageEvent } from './to-turn.ts';

/** What `confirmReset` needs besides the turn. */
export interface ConfirmResetOptions {
  /** Web API client with the bot token. */
  client: webApi.WebClient;
  /** Logger. */
  logger: Logger;
  /** The bot's user id (named in the confirmation). */
  botUserId: string;
  /** `SLACK_SESSION_SCOPE` (changes the wording). */
  sessionScope: SlackSessionScope | undefined;
}

/** What a reset turn cleared: its session is a thread, a DM, or (top level, or all threads sharing it) a channel. */
export function resetScopeOf(turn: Turn): 'thread' | 'dm' | 'channel' {
  if (parseSlackSessionId(turn.sessionId).threadTs !== undefined) return 'thread';
  return isDirectMessageChannel(turn.target.channelId) ? 'dm' : 'channel';
}

/**
 * Tells the person who wrote "@bot reset" that it is done: ephemerally, where the message was; when Slack
 * refuses that, in the thread for all to see (a failure there is only logged).
 */
export async function confirmReset(
  turn: Turn,
  event: SlackMessageEvent,
  options: ConfirmResetOptions,
): Promise<void> {
  const { client, logger } = options;
  const threadTs = typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
  const text = resetConfirmation(resetScopeOf(turn), options.botUserId, options.sessionScope);
  try {
    await client.chat.postEphemeral({
      channel: turn.target.channelId,
      user: turn.author.id,
      thread_ts: threadTs,
      text,
    });
  } catch (error) {
    logger.debug({ err: error }, 'ephemeral reset confirmation failed; answering in the thread');
    await client.chat
      .postMessage({ channel: turn.target.channelId, thread_ts: threadTs ?? turn.target.threadId, text })
      .catch((postError: unknown) => logger.warn({ err: postError }, 'could not confirm the reset'));
  }
}

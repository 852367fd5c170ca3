import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import type { ReplyStreamShared } from './show-thinking-status.ts';
import { slackErrorCode } from './slack-errors.ts';

/** Longest status Slack shows without cutting it; longer lists of tools are shortened. */
const MAX_STATUS_LENGTH = 100;

/**
 * Shows "Using <tool>…" as the thread's assistant status while tools run. Where Slack shows no status (not a
 * thread, or refused before) nothing is shown: the placeholder or the streamed text stays as it is. Never throws.
 */
export async function showToolStatus(
  client: webApi.WebClient,
  target: ReplyTarget,
  shared: ReplyStreamShared,
  toolNames: readonly string[],
  logger: Logger,
): Promise<void> {
  if (target.threadId === undefined || !shared.statusAvailable || toolNames.length === 0) return;
  let status = `Using ${toolNames.join(', ')}…`;
  if (status.length > MAX_STATUS_LENGTH) status = `${status.slice(0, MAX_STATUS_LENGTH - 1)}…`;
  try {
    await client.assistant.threads.setStatus({
      channel_id: target.channelId,
      thread_ts: target.threadId,
      status,
    });
  } catch (error) {
    logger.debug({ code: slackErrorCode(error), channel: target.channelId }, 'tool status unavailable');
  }
}

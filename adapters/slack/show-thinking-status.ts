import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { slackErrorCode } from './slack-errors.ts';

/** Error codes after which `assistant.threads.setStatus` will not work for this app at all. */
const STATUS_UNAVAILABLE = new Set([
  'missing_scope',
  'unknown_method',
  'not_allowed_token_type',
  'method_deprecated',
  'no_permission',
]);

/** Shared between all replies of one channel object. */
export interface ReplyStreamShared {
  /** False once Slack said the thinking status is not available to this app. */
  statusAvailable: boolean;
  /** False once Slack said native streaming (`chat.startStream`) is not available to this app. */
  nativeStreamingAvailable?: boolean;
}

/**
 * Shows Slack's native "is thinking…" status in the target's thread. False when it cannot (no thread, or
 * Slack refused: then the caller posts a placeholder); a refusal that will not change is remembered in
 * `shared`, so later replies do not ask again.
 */
export async function showThinkingStatus(
  client: webApi.WebClient,
  target: ReplyTarget,
  shared: ReplyStreamShared,
  logger: Logger,
): Promise<boolean> {
  if (target.threadId === undefined || !shared.statusAvailable) return false;
  try {
    await client.assistant.threads.setStatus({
      channel_id: target.channelId,
      thread_ts: target.threadId,
      status: 'is thinking…',
    });
    return true;
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== undefined && STATUS_UNAVAILABLE.has(code)) shared.statusAvailable = false;
    logger.debug({ code, channel: target.channelId }, 'thinking status unavailable; posting a placeholder');
    return false;
  }
}

import type { App, webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';

/** `action_id` of the Stop button shown while an answer streams. */
export const STOP_ACTION_ID = 'parley_stop';

/** The Stop button of one streaming answer: a small message under it, removed when the answer is done. */
export interface StopControl {
  /** Removes the button (the answer is final, or was stopped). */
  remove(): Promise<void>;
}

/**
 * Posts the Stop button for the answer being streamed to the turn at `target` (its id, `<channel>:<ts>` of
 * the question, is the button's value). A native stream cannot carry buttons until it stops, so the button is
 * its own message; failing to show it never fails the answer.
 */
export async function showStopControl(
  client: webApi.WebClient,
  target: ReplyTarget & { threadId: string },
  deps: { logger: Logger; limiter: RateLimiter },
): Promise<StopControl | undefined> {
  if (target.replyToMessageId === undefined) return undefined;
  const turnId = `${target.channelId}:${target.replyToMessageId}`;
  try {
    const posted = await client.chat.postMessage({
      channel: target.channelId,
      thread_ts: target.threadId,
      text: 'Writing an answer…',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: STOP_ACTION_ID,
              text: { type: 'plain_text', text: 'Stop' },
              style: 'danger',
              value: turnId,
            },
          ],
        },
      ],
    });
    const ts = posted.ts;
    if (typeof ts !== 'string') return undefined;
    return {
      async remove() {
        await deps.limiter.acquire(target.workspaceId ?? target.channelId);
        await client.chat
          .delete({ channel: target.channelId, ts })
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, ts }, 'could not remove the Stop button'),
          );
      },
    };
  } catch (error) {
    deps.logger.warn({ err: error, channel: target.channelId }, 'could not show the Stop button');
    return undefined;
  }
}

/** Hands Stop clicks to `requestStop` (the stop signal the worker running the answer listens to). */
export function registerStopAction(
  app: App,
  options: { requestStop: (turnId: string) => Promise<void>; logger: Logger },
): void {
  app.action(STOP_ACTION_ID, async ({ ack, action }) => {
    await ack();
    const turnId = (action as { value?: unknown }).value;
    if (typeof turnId !== 'string' || !/^[A-Z0-9]+:\d+\.\d+$/.test(turnId)) {
      options.logger.warn({ action: STOP_ACTION_ID }, 'dropping a Stop click that could not be read');
      return;
    }
    await options
      .requestStop(turnId)
      .then(() => options.logger.info({ turnId }, 'stop requested'))
      .catch((error: unknown) => options.logger.error({ err: error, turnId }, 'could not request the stop'));
  });
}

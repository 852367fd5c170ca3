import type { App } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { RecordFeedback } from '../../src/usage/record-feedback.ts';
import { FEEDBACK_ACTION_ID, readFeedbackClick } from './answer-blocks.ts';

/** The parts of a `block_actions` payload a feedback click is read from. Untrusted: every field is checked. */
interface FeedbackPayload {
  user?: { id?: unknown };
  message?: { ts?: unknown };
  container?: { message_ts?: unknown };
}

/**
 * Records clicks of the 👍/👎 buttons under answers. Slack gets its acknowledgement first (within its 3 s);
 * a click Parley cannot read (not its button, no user or message) is logged and dropped, as is a failed write.
 */
export function registerFeedbackAction(app: App, options: { record: RecordFeedback; logger: Logger }): void {
  const { logger } = options;
  app.action(FEEDBACK_ACTION_ID, async ({ ack, body, action }) => {
    await ack();
    const payload = body as FeedbackPayload;
    const click = readFeedbackClick((action as { value?: unknown }).value);
    const userId = payload.user?.id;
    const messageRef = payload.message?.ts ?? payload.container?.message_ts;
    if (!click || typeof userId !== 'string' || typeof messageRef !== 'string') {
      logger.warn({ action: FEEDBACK_ACTION_ID }, 'dropping a feedback click that could not be read');
      return;
    }
    await options
      .record({ ...click, userId, messageRef })
      .then(() => logger.info({ sessionId: click.sessionId, value: click.value }, 'feedback recorded'))
      .catch((error: unknown) =>
        logger.error({ err: error, sessionId: click.sessionId }, 'could not record feedback'),
      );
  });
}

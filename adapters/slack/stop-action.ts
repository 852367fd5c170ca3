import type { App } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import { readStopValue, STOP_ACTION_ID } from './stop-control.ts';

/** The parts of a `block_actions` payload a Stop click is read from. Untrusted: every field is checked. */
interface StopPayload {
  user?: { id?: unknown };
  channel?: { id?: unknown };
  message?: { ts?: unknown; thread_ts?: unknown };
}

/** Options of `registerStopAction`. */
export interface StopActionOptions {
  /** Publishes the stop signal the worker running the answer listens to. */
  requestStop: (turnId: string) => Promise<void>;
  /** Whether Slack makes the user a workspace admin or owner. */
  isAdmin: (userId: string) => Promise<boolean>;
  /** `ADMIN_USERS`: people who may stop any answer besides the workspace's admins. */
  adminUsers: readonly string[];
  /** Logger. */
  logger: Logger;
}

/**
 * Hands Stop clicks to `requestStop`, whichever way the answer streams (the button under a native stream, or in
 * the message being edited). Only the asker (named in the button's value), a workspace admin or an `ADMIN_USERS`
 * id may stop an answer; anyone else is told so in an ephemeral message and nothing stops. Slack gets its
 * acknowledgement first; a click that cannot be read is logged and dropped.
 */
export function registerStopAction(app: App, options: StopActionOptions): void {
  const { logger } = options;
  app.action(STOP_ACTION_ID, async ({ ack, action, body, client }) => {
    await ack();
    const stop = readStopValue((action as { value?: unknown }).value);
    const payload = body as StopPayload;
    const userId = payload.user?.id;
    const channel = payload.channel?.id;
    if (!stop || typeof userId !== 'string' || typeof channel !== 'string') {
      logger.warn({ action: STOP_ACTION_ID }, 'dropping a Stop click that could not be read');
      return;
    }
    const allowed =
      userId === stop.askerId ||
      options.adminUsers.includes(userId) ||
      (await options.isAdmin(userId).catch(() => false));
    if (!allowed) {
      const thread = payload.message?.thread_ts ?? payload.message?.ts;
      await client.chat
        .postEphemeral({
          channel,
          user: userId,
          ...(typeof thread === 'string' ? { thread_ts: thread } : {}),
          text: `Only <@${stop.askerId}> can stop this answer.`,
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not tell a clicker they may not stop'));
      logger.info({ turnId: stop.turnId }, 'stop refused to someone else');
      return;
    }
    await options
      .requestStop(stop.turnId)
      .then(() => logger.info({ turnId: stop.turnId }, 'stop requested'))
      .catch((error: unknown) =>
        logger.error({ err: error, turnId: stop.turnId }, 'could not request the stop'),
      );
  });
}

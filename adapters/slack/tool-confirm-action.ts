import type { App } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import { parseConfirmControlId, type ToolConfirmations } from '../../src/tools/tool-confirmation.ts';

/** The parts of a `block_actions` payload a click is read from. Untrusted: every field is checked. */
interface ConfirmPayload {
  user?: { id?: unknown };
  channel?: { id?: unknown };
  message?: { thread_ts?: unknown };
}

/**
 * Answers tool confirmations from their buttons (`action_id` `parley_tool_confirm:…`). Only the person whose
 * message started the turn, a workspace admin or an `ADMIN_USERS` id may answer; anyone else is told so in an
 * ephemeral message. Slack gets its acknowledgement first; a click that cannot be read is logged and dropped.
 */
export function registerToolConfirmAction(
  app: App,
  options: ToolConfirmations & { isAdmin: (userId: string) => Promise<boolean>; logger: Logger },
): void {
  const { logger } = options;
  app.action(/^parley_tool_confirm:/, async ({ ack, body, action, client }) => {
    await ack();
    const control = parseConfirmControlId(String((action as { action_id?: unknown }).action_id));
    const payload = body as ConfirmPayload;
    const userId = payload.user?.id;
    const channel = payload.channel?.id;
    if (!control || typeof userId !== 'string' || typeof channel !== 'string') {
      logger.warn('dropping a tool confirmation click that could not be read');
      return;
    }
    const allowed =
      userId === control.askerId ||
      options.adminUsers.includes(userId) ||
      (await options.isAdmin(userId).catch(() => false));
    if (!allowed) {
      const thread = payload.message?.thread_ts;
      await client.chat
        .postEphemeral({
          channel,
          user: userId,
          ...(typeof thread === 'string' ? { thread_ts: thread } : {}),
          text: `Only <@${control.askerId}> can answer this.`,
        })
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'could not tell a clicker they may not answer'),
        );
      logger.info({ question: control.questionId }, 'tool confirmation refused to someone else');
      return;
    }
    await options
      .answer(control.questionId, { approved: control.approved, by: `<@${userId}>` })
      .then(() =>
        logger.info(
          { question: control.questionId, approved: control.approved },
          'tool confirmation answered',
        ),
      )
      .catch((error: unknown) => logger.error({ err: error }, 'could not pass on a tool confirmation'));
  });
}

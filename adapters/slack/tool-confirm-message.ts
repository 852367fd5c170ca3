import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/app/logger.ts';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import {
  type ConfirmPrompt,
  type ConfirmQuestion,
  confirmControlId,
  outcomeText,
  questionText,
} from '../../src/tools/tool-confirmation.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';

/**
 * Asks in the turn's thread whether a tool may run: a message with Approve and Decline buttons (Block Kit
 * `actions`; their `action_id`s carry the question and who may answer, see `tool-confirm-action.ts`). Once
 * answered it is edited to say how it ended, without the buttons. Posting failures reject, so the tool does
 * not run unasked.
 */
export async function askSlackConfirmation(
  client: webApi.WebClient,
  target: ReplyTarget,
  question: ConfirmQuestion,
  deps: { logger: Logger; limiter: RateLimiter },
): Promise<ConfirmPrompt> {
  const text = markdownToMrkdwn(questionText(question, `<@${question.askerId}>`));
  const button = (approved: boolean) => ({
    type: 'button' as const,
    action_id: confirmControlId({ questionId: question.id, approved, askerId: question.askerId }),
    text: { type: 'plain_text' as const, text: approved ? 'Approve' : 'Decline' },
    ...(approved ? { style: 'primary' as const } : {}),
    value: question.id,
  });
  await deps.limiter.acquire(target.workspaceId ?? target.channelId);
  const posted = await client.chat.postMessage({
    channel: target.channelId,
    ...(target.threadId !== undefined ? { thread_ts: target.threadId } : {}),
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: `parley_tool_confirm_${question.id}`,
        elements: [button(true), button(false)],
      },
    ],
  });
  const ts = posted.ts;
  return {
    async settle(outcome) {
      if (typeof ts !== 'string') return;
      const settled = markdownToMrkdwn(outcomeText(question, outcome));
      await deps.limiter.acquire(target.workspaceId ?? target.channelId);
      await client.chat.update({
        channel: target.channelId,
        ts,
        text: settled,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: settled } }],
      });
      deps.logger.debug({ question: question.id, outcome: outcome.kind }, 'tool confirmation settled');
    },
  };
}

import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import {
  type ConfirmPrompt,
  type ConfirmQuestion,
  confirmControlId,
  outcomeText,
  questionText,
} from '../../src/tools/tool-confirmation.ts';
import type { ReplyTarget } from '../../src/turn/turn.ts';

/** Discord's component types and button styles used here. */
const ACTION_ROW = 1;
const BUTTON = 2;
const SUCCESS = 3;
const SECONDARY = 2;

/**
 * Asks in the turn's channel whether a tool may run: a message with Approve and Decline buttons (their
 * `custom_id`s carry the question and who may answer, see `tool-confirm-interaction.ts`), replying to the
 * question it is about. Once answered it is edited to say how it ended, without the buttons. Posting failures
 * reject, so the tool does not run unasked.
 */
export async function askDiscordConfirmation(
  rest: REST,
  target: ReplyTarget,
  question: ConfirmQuestion,
  logger: Logger,
): Promise<ConfirmPrompt> {
  const button = (approved: boolean) => ({
    type: BUTTON,
    style: approved ? SUCCESS : SECONDARY,
    label: approved ? 'Approve' : 'Decline',
    custom_id: confirmControlId({ questionId: question.id, approved, askerId: question.askerId }),
  });
  const posted = (await rest.post(Routes.channelMessages(target.channelId), {
    body: {
      content: questionText(question, `<@${question.askerId}>`),
      // The asker is named, not pinged again: they are in the conversation already.
      allowed_mentions: { parse: [] },
      components: [{ type: ACTION_ROW, components: [button(true), button(false)] }],
      ...(target.replyToMessageId !== undefined
        ? { message_reference: { message_id: target.replyToMessageId, fail_if_not_exists: false } }
        : {}),
    },
  })) as { id: string };
  return {
    async settle(outcome) {
      await rest.patch(Routes.channelMessage(target.channelId, posted.id), {
        body: { content: outcomeText(question, outcome), components: [], allowed_mentions: { parse: [] } },
      });
      logger.debug({ question: question.id, outcome: outcome.kind }, 'tool confirmation settled');
    },
  };
}

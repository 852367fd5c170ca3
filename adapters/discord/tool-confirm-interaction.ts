import { type Client, Events, type MessageComponentInteraction } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import {
  CONFIRM_CONTROL_PREFIX,
  parseConfirmControlId,
  type ToolConfirmations,
} from '../../src/tools/tool-confirmation.ts';
import { allowAskerOrAdmin } from './asker-or-admin.ts';

/**
 * Answers tool confirmations from their buttons (`custom_id` `parley_tool_confirm:…`). Only the person whose
 * message started the turn, a server admin (Manage Server / Manage Channels) or an `ADMIN_USERS` id may
 * answer; anyone else gets an ephemeral reply saying who can. An accepted click is acknowledged without a
 * reply; the worker edits the question once it has the answer.
 */
export function registerToolConfirmInteraction(
  client: Client,
  options: ToolConfirmations & { logger: Logger },
): void {
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isButton() || !interaction.customId.startsWith(CONFIRM_CONTROL_PREFIX)) return;
    answerClick(interaction, options).catch((error: unknown) =>
      options.logger.error({ err: error }, 'discord tool confirmation click failed'),
    );
  });
}

async function answerClick(
  interaction: MessageComponentInteraction,
  options: ToolConfirmations & { logger: Logger },
): Promise<void> {
  const control = parseConfirmControlId(interaction.customId);
  if (!control) {
    options.logger.warn('dropping a tool confirmation click that could not be read');
    await interaction.deferUpdate();
    return;
  }
  const { askerId } = control;
  const { adminUsers } = options;
  if (!(await allowAskerOrAdmin(interaction, { askerId, adminUsers, action: 'answer this' }))) {
    options.logger.info({ question: control.questionId }, 'tool confirmation refused to someone else');
    return;
  }
  // Acknowledged first (Discord allows 3 s); the worker edits the question once it has the answer.
  await interaction.deferUpdate();
  await options.answer(control.questionId, { approved: control.approved, by: `<@${interaction.user.id}>` });
  options.logger.info(
    { question: control.questionId, approved: control.approved },
    'tool confirmation answered',
  );
}

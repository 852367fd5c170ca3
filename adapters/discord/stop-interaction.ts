import { type Client, Events, type MessageComponentInteraction } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import { allowAskerOrAdmin } from './asker-or-admin.ts';
import { parseStopControlId, STOP_CONTROL_PREFIX } from './stop-button.ts';

/** What answering Stop clicks needs. */
export interface StopInteractionOptions {
  /** Asks the worker running the turn to stop it (the stop signal it listens to). */
  requestStop: (turnId: string) => Promise<void>;
  /** `ADMIN_USERS`: may stop anyone's answer, like server admins. */
  adminUsers: readonly string[];
  /** Logger. */
  logger: Logger;
}

/**
 * Answers clicks of the Stop button on a streaming answer (`custom_id` `parley_stop:<turn>:<asker>`). Only
 * the person who asked, a server admin (Manage Server / Manage Channels) or an `ADMIN_USERS` id may stop it;
 * anyone else gets an ephemeral reply saying who can, and nothing stops. An accepted click is acknowledged at
 * once without a reply; the worker ends the model call and its final edit takes the button away.
 */
export function registerStopInteraction(client: Client, options: StopInteractionOptions): void {
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isButton() || !interaction.customId.startsWith(STOP_CONTROL_PREFIX)) return;
    answerClick(interaction, options).catch((error: unknown) =>
      options.logger.error({ err: error }, 'discord Stop click failed'),
    );
  });
}

async function answerClick(
  interaction: MessageComponentInteraction,
  options: StopInteractionOptions,
): Promise<void> {
  const turn = parseStopControlId(interaction.customId);
  if (!turn) {
    options.logger.warn('dropping a Stop click that could not be read');
    await interaction.deferUpdate();
    return;
  }
  const { adminUsers } = options;
  if (
    !(await allowAskerOrAdmin(interaction, { askerId: turn.askerId, adminUsers, action: 'stop this answer' }))
  ) {
    options.logger.info({ turnId: turn.turnId }, 'Stop refused to someone else');
    return;
  }
  // Acknowledged first (Discord allows 3 s); the stop itself is a publish, the worker does the rest.
  await interaction.deferUpdate();
  await options.requestStop(turn.turnId);
  options.logger.info({ turnId: turn.turnId }, 'stop requested');
}

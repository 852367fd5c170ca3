import { type MessageComponentInteraction, MessageFlags } from 'discord.js';
import { isGuildAdmin } from './platform-admin.ts';

/**
 * Whether the person who clicked a control on someone's turn may act on it: the asker, an `ADMIN_USERS` id or a
 * server admin (Manage Server / Manage Channels; `memberPermissions` is the member's permissions in the
 * interaction's channel, so it serves as both the guild-wide and the channel view). Anyone else is told, in an
 * ephemeral reply, that only the asker can `action`; the caller then does nothing.
 */
export async function allowAskerOrAdmin(
  interaction: MessageComponentInteraction,
  control: { askerId: string; adminUsers: readonly string[]; action: string },
): Promise<boolean> {
  const userId = interaction.user.id;
  const permissions = interaction.memberPermissions;
  if (
    userId === control.askerId ||
    control.adminUsers.includes(userId) ||
    isGuildAdmin(permissions, permissions)
  )
    return true;
  await interaction.reply({
    content: `Only <@${control.askerId}> can ${control.action}.`,
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
  return false;
}

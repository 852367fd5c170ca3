import { sessionId } from '../../src/turn/session-id.ts';
import { COMMAND_NAMES, type CommandName, type ReplyTarget, type Turn } from '../../src/turn/turn.ts';
import { isGuildAdmin, type PermissionsLike } from './platform-admin.ts';
import { scopeSessionId } from './to-turn.ts';

/** One option value of a slash command use, as discord.js gives it (`interaction.options.data`). */
export interface CommandOptionLike {
  /** Option name, e.g. `text`. */
  name: string;
  /** Its value (strings, booleans; subcommands have none). */
  value?: string | number | boolean;
}

/** The parts of a discord.js `ChatInputCommandInteraction` a turn is made of (the interaction satisfies it). */
export interface InteractionLike {
  /** Interaction snowflake: the turn id, so a redelivered interaction is queued once. */
  id: string;
  /** Application the interaction belongs to (the webhook id for its answer). */
  applicationId: string;
  /** Interaction token: answers it for 15 minutes. */
  token: string;
  /** Command name, e.g. `persona`. */
  commandName: string;
  /** Option values given. */
  options: { data: readonly CommandOptionLike[] };
  /** Guild, or null in a DM. */
  guildId: string | null;
  /** Channel, DM channel or thread it was used in. */
  channelId: string | null;
  /** That channel, to tell threads apart (null when not cached). */
  channel: { isThread(): boolean; parentId?: string | null } | null;
  /** Who used it. */
  user: { id: string; username: string; globalName: string | null };
  /** The invoker's permissions in the channel (roles and overwrites, as Discord sent them); null in a DM. */
  memberPermissions?: PermissionsLike | null;
  /** When Discord created it, ms since epoch. */
  createdTimestamp: number;
}

/** Whether `name` is one of Parley's commands. */
export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/**
 * The command's arguments as one string, the way they would be typed after the command: string and number
 * values as they are, a boolean option that is true as its name (`/forget confirm:True` → `confirm`).
 */
export function commandArgs(options: readonly CommandOptionLike[]): string {
  return options
    .flatMap((option) => {
      if (option.value === undefined || option.value === false) return [];
      if (option.value === true) return [option.name];
      return [String(option.value).trim()];
    })
    .filter((part) => part !== '')
    .join(' ');
}

/**
 * Makes a turn of a slash command: `reset` as a `reset` turn (answered by the ingress itself), every other
 * command as a `command` turn that the worker runs in the session's order and answers through the
 * interaction (`target.invoker`). The session is the DM, channel or thread where it was used. Returns null
 * for commands Parley does not know (a stale registration) and interactions outside a channel. The author is
 * a platform admin with Manage Server, or Manage Channels there.
 */
export function interactionToTurn(interaction: InteractionLike): Turn | null {
  const { channelId, guildId } = interaction;
  if (!channelId || !isCommandName(interaction.commandName)) return null;
  const target: ReplyTarget = { platform: 'discord', channelId };
  if (guildId !== null) {
    target.workspaceId = guildId;
    if (interaction.channel?.isThread()) target.threadId = channelId;
  }
  const turn: Turn = {
    id: interaction.id,
    sessionId: sessionId('discord', guildId ?? 'dm', channelId),
    scopeId: scopeSessionId(guildId, channelId, interaction.channel),
    kind: interaction.commandName === 'reset' ? 'reset' : 'command',
    author: {
      id: interaction.user.id,
      name: interaction.user.globalName ?? interaction.user.username,
      // Discord's `member.permissions` already folds in the channel's overwrites.
      isPlatformAdmin: isGuildAdmin(interaction.memberPermissions, interaction.memberPermissions),
    },
    text: '',
    target,
    receivedAt: interaction.createdTimestamp,
  };
  if (turn.kind === 'command') {
    turn.command = { name: interaction.commandName, args: commandArgs(interaction.options.data) };
    target.invoker = {
      userId: interaction.user.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
    };
  }
  return turn;
}

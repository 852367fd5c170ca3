import {
  ApplicationCommandType,
  type ChatInputCommandInteraction,
  InteractionContextType,
  MessageFlags,
  type REST,
  type RESTPutAPIApplicationCommandsJSONBody,
  Routes,
} from 'discord.js';
import type { Logger } from '../../src/logger.ts';
import { sessionId } from '../../src/session-id.ts';
import type { Turn } from '../../src/turn.ts';
import type { TurnSink } from '../../src/turn-queue.ts';

/** Answer to `/reset` once the reset is queued (it runs after any turns already waiting, in order). */
export const RESET_DONE =
  'Memory cleared — I have forgotten this conversation. Your next message starts afresh.';
/** Answer to `/reset` when it could not be queued. */
export const RESET_FAILED = 'Sorry, I could not clear my memory just now. Please try again in a moment.';
/** Answer to any command Parley does not know (e.g. a stale registration). */
export const HELP_TEXT =
  'Mention me in a channel or thread, or send me a direct message, and I will answer. ' +
  'Each channel, thread and DM is its own conversation. `/reset` makes me forget the conversation it is used in.';

const RESET = {
  name: 'reset',
  description: 'Make Parley forget this conversation (channel, thread or DM)',
  type: ApplicationCommandType.ChatInput,
} as const;

/** Global commands: usable in servers and in DMs with the bot. */
export const GLOBAL_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [
  { ...RESET, contexts: [InteractionContextType.Guild, InteractionContextType.BotDM] },
];

/** Guild commands: appear at once (global ones can take a while to propagate). */
export const GUILD_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [RESET];

/**
 * Registers the slash commands (PUT replaces the whole set, so this is idempotent): globally, and in
 * `guildId` too when set, so they are usable there immediately.
 */
export async function registerCommands(options: {
  rest: REST;
  applicationId: string;
  guildId: string | undefined;
  logger: Logger;
}): Promise<void> {
  const { rest, applicationId, guildId, logger } = options;
  await rest.put(Routes.applicationCommands(applicationId), { body: GLOBAL_COMMANDS });
  if (guildId) {
    await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body: GUILD_COMMANDS });
  }
  logger.info({ guildId: guildId ?? null }, 'discord slash commands registered');
}

/** The session of the DM, channel or thread a command was used in (a thread is a channel of its own). */
export function interactionSessionId(guildId: string | null, channelId: string): string {
  return sessionId('discord', guildId ?? 'dm', channelId);
}

/** Settings of the command handler. */
export interface CommandHandlerOptions {
  /** Where the reset turn goes. */
  sink: TurnSink;
  /** Process logger. */
  logger: Logger;
  /** If queueing takes longer than this, the interaction is deferred first (Discord allows 3 s to answer). */
  deferAfterMs: number;
}

/**
 * Answers one slash command. `/reset` queues a `reset` turn for the session where it was used and answers
 * only the invoker. The answer must reach Discord within 3 s: if queueing is slow (Redis under load), the
 * interaction is deferred first and the answer edited in afterwards.
 */
export async function handleCommand(
  interaction: ChatInputCommandInteraction,
  options: CommandHandlerOptions,
): Promise<void> {
  const { logger } = options;
  if (interaction.commandName !== 'reset' || !interaction.channelId) {
    await interaction.reply({ content: HELP_TEXT, flags: MessageFlags.Ephemeral });
    return;
  }
  const turn: Turn = {
    id: interaction.id,
    sessionId: interactionSessionId(interaction.guildId, interaction.channelId),
    kind: 'reset',
    author: {
      id: interaction.user.id,
      name: interaction.user.globalName ?? interaction.user.username,
    },
    text: '',
    target: {
      platform: 'discord',
      channelId: interaction.channelId,
      ...(interaction.guildId ? { workspaceId: interaction.guildId } : {}),
    },
    receivedAt: interaction.createdTimestamp,
  };
  const enqueued = options.sink.enqueue(turn).then(
    () => 'done' as const,
    (error: unknown) => {
      logger.error({ err: error, sessionId: turn.sessionId }, 'discord /reset could not be queued');
      return 'failed' as const;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), options.deferAfterMs);
  });
  const first = await Promise.race([enqueued, slow]);
  clearTimeout(timer);
  if (first === 'slow') {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const outcome = await enqueued;
    await interaction.editReply({ content: outcome === 'done' ? RESET_DONE : RESET_FAILED });
  } else {
    await interaction.reply({
      content: first === 'done' ? RESET_DONE : RESET_FAILED,
      flags: MessageFlags.Ephemeral,
    });
  }
  logger.info(
    { sessionId: turn.sessionId, turnId: turn.id, deferred: first === 'slow' },
    'discord /reset answered',
  );
}

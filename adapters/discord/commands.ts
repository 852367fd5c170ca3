import { type ChatInputCommandInteraction, MessageFlags } from 'discord.js';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { toPlatformError } from './discord-rest.ts';
import { interactionToTurn } from './interaction-to-turn.ts';

/** Answer to `/reset` once the reset is queued (it runs after any turns already waiting, in order). */
export const RESET_DONE =
  'Memory cleared — I have forgotten this conversation. Your next message starts afresh.';
/** Answer to `/reset` when it could not be queued. */
export const RESET_FAILED = 'Sorry, I could not clear my memory just now. Please try again in a moment.';
/** Answer to any command Parley does not know (e.g. a stale registration). */
export const HELP_TEXT =
  'Mention me in a channel or thread, or send me a direct message, and I will answer. ' +
  'Each channel, thread and DM is its own conversation. `/help` lists my commands.';
/** Answer to a command that was not queued (the access rules leave it out). */
export const COMMAND_REFUSED = 'Sorry, I cannot run commands for you here.';
/** Answer to a command that could not be queued. */
export const COMMAND_FAILED = 'Sorry, I could not run that command just now. Please try again in a moment.';

/** Settings of the command handler. */
export interface CommandHandlerOptions {
  /** Where the command's turn goes. */
  sink: TurnSink;
  /** Process logger. */
  logger: Logger;
  /** If queueing a `/reset` takes longer than this, the interaction is deferred first (Discord allows 3 s). */
  deferAfterMs: number;
}

/**
 * Answers one slash command, only to the invoker. `/reset` is queued and confirmed here (deferred first if
 * queueing is slow). Every other command is deferred at once (ephemeral "thinking…") and queued as a
 * `command` turn; the worker runs it in the session's order and edits the deferred reply through the
 * interaction token. Unknown commands get help text and queue nothing.
 */
export async function handleCommand(
  interaction: ChatInputCommandInteraction,
  options: CommandHandlerOptions,
): Promise<void> {
  const turn = interactionToTurn(interaction);
  if (!turn) {
    await interaction.reply({ content: HELP_TEXT, flags: MessageFlags.Ephemeral });
    return;
  }
  if (turn.kind === 'reset') await handleReset(interaction, turn, options);
  else await handleQueuedCommand(interaction, turn, options);
}

async function handleQueuedCommand(
  interaction: ChatInputCommandInteraction,
  turn: Turn,
  options: CommandHandlerOptions,
): Promise<void> {
  const { logger } = options;
  const command = turn.command?.name;
  try {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  } catch (error) {
    // Too late or refused: Discord shows the invoker that the command failed, so running it unseen (think
    // `/forget confirm`) would be worse than asking them to try again.
    logger.warn(
      { err: toPlatformError(error, 'deferring a command'), sessionId: turn.sessionId, command },
      'discord command not deferred; not queued',
    );
    return;
  }
  let accepted: boolean;
  try {
    accepted = (await options.sink.enqueue(turn)).accepted;
  } catch (error) {
    // Only the message: a queue error can carry the command it ran (ioredis keeps its arguments), i.e. the
    // turn with its interaction token.
    const reason = error instanceof Error ? error.message : String(error);
    logger.error({ reason, sessionId: turn.sessionId, command }, 'discord command could not be queued');
    await interaction.editReply({ content: COMMAND_FAILED });
    return;
  }
  logger.info({ sessionId: turn.sessionId, turnId: turn.id, command, accepted }, 'discord command queued');
  // Not queued (access rules): nothing would ever answer, so say so instead of "thinking…" for 15 minutes.
  if (!accepted) await interaction.editReply({ content: COMMAND_REFUSED });
}

function resetAnswer(outcome: 'done' | 'declined' | 'failed'): string {
  if (outcome === 'done') return RESET_DONE;
  return outcome === 'declined' ? COMMAND_REFUSED : RESET_FAILED;
}

async function handleReset(
  interaction: ChatInputCommandInteraction,
  turn: Turn,
  options: CommandHandlerOptions,
): Promise<void> {
  const { logger } = options;
  const enqueued = options.sink.enqueue(turn).then(
    (result) => (result.declined ? ('declined' as const) : ('done' as const)),
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
    await interaction.editReply({ content: resetAnswer(await enqueued) });
  } else {
    await interaction.reply({ content: resetAnswer(first), flags: MessageFlags.Ephemeral });
  }
  logger.info(
    { sessionId: turn.sessionId, turnId: turn.id, deferred: first === 'slow' },
    'discord /reset answered',
  );
}

import type { Turn } from '../turn/turn.ts';
import { commandHandler } from './command-handlers.ts';
import {
  answer,
  type CommandContext,
  type CommandInvocation,
  type CommandOutcome,
} from './command-invocation.ts';

export { COMMAND_HELP } from './command-handlers.ts';
export type { CommandContext, CommandOutcome } from './command-invocation.ts';
export { MAX_PERSONA_LENGTH } from './persona-command.ts';

/**
 * Runs a chat command in its session's order (so it sees every earlier turn committed) and returns the answer
 * for the invoker. Commands never call the model.
 */
export async function runCommand(turn: Turn, seq: number, context: CommandContext): Promise<CommandOutcome> {
  const name = turn.command?.name ?? 'help';
  const invocation: CommandInvocation = {
    turn,
    seq,
    args: (turn.command?.args ?? '').trim(),
    scopeId: turn.scopeId ?? turn.sessionId,
    context,
  };
  if (refusedToNonAdmin(name, invocation)) {
    return answer(invocation, `Only admins can use \`${name}\` here. Ask one of them, or see \`help\`.`);
  }
  return commandHandler(name)(invocation);
}

/**
 * Whether the command is an admin's to run and the invoker is not one. Only changes are reserved: anyone may
 * look at the persona or be asked to confirm a `forget`. An admin is one by the platform's own rules
 * (`isPlatformAdmin`, set by the adapters; absent counts as not) or named in `ADMIN_USERS`.
 */
function refusedToNonAdmin(name: string, invocation: CommandInvocation): boolean {
  const { args, context, turn } = invocation;
  const changesSomething =
    (name === 'persona' && args.length > 0) ||
    (name === 'forget' && args.toLowerCase() === 'confirm') ||
    (name === 'tools' && args.length > 0) ||
    (name === 'model' && args.length > 0);
  const isAdmin = turn.author.isPlatformAdmin === true || context.adminUsers.includes(turn.author.id);
  return changesSomething && context.adminCommands.includes(name) && !isAdmin;
}

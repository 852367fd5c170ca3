import type { CommandName } from '../turn/turn.ts';
import { answer, type CommandHandler, nothingToCommit, quote } from './command-invocation.ts';
import { formatTotals } from './format-usage.ts';
import { personaCommand } from './persona-command.ts';
import { exportSession } from './session-export.ts';

/** What `help` (and any command not known here) answers. */
export const COMMAND_HELP = [
  '**Commands**',
  '• `reset` — forget this conversation',
  '• `memory` — show the summary of older messages; `memory clear` drops it',
  '• `persona <text>` — set how the bot behaves in this channel; `persona` shows it; `persona reset` restores the default',
  '• `usage` — tokens and cost of this conversation, this channel and you, today and in total',
  '• `export` — download this conversation as JSON',
  '• `forget` — delete everything stored for this channel (asks for confirmation)',
].join('\n');

/** The clearing itself happens on commit, in the session's order. */
const resetCommand: CommandHandler = async (invocation) =>
  answer(invocation, 'Memory cleared: this conversation starts afresh.', {
    seq: invocation.seq,
    clear: true,
    messages: [],
    scopeId: invocation.scopeId,
  });

const memoryCommand: CommandHandler = async (invocation) => {
  const { args, turn } = invocation;
  const { store } = invocation.context;
  if (args === 'clear') {
    await store.setMeta(turn.sessionId, { summary: null });
    return answer(
      invocation,
      'The summary of older messages was dropped; recent messages are still remembered.',
    );
  }
  if (args.length > 0)
    return answer(invocation, `Unknown option \`${args}\`. Use \`memory\` or \`memory clear\`.`);
  const [meta, count] = await Promise.all([store.getMeta(turn.sessionId), store.count(turn.sessionId)]);
  const live = `I remember the last ${count} message${count === 1 ? '' : 's'} (${meta.historyTokens} tokens) of this conversation word for word.`;
  if (!meta.summary) return answer(invocation, `${live} There is no summary of older messages yet.`);
  return answer(invocation, `${live} Older messages are summarized as:\n${quote(meta.summary)}`);
};

const usageCommand: CommandHandler = async (invocation) => {
  const { turn, scopeId, context } = invocation;
  const [meta, report] = await Promise.all([
    context.store.getMeta(turn.sessionId),
    context.ledger.read({ scopeId, userId: turn.author.id, at: context.now }),
  ]);
  return answer(
    invocation,
    [
      '**Usage**',
      `• this conversation: ${formatTotals(meta.usage)}`,
      `• this channel today: ${formatTotals(report.scope.today)}; in total: ${formatTotals(report.scope.total)}`,
      `• you today: ${formatTotals(report.user.today)}; in total: ${formatTotals(report.user.total)}`,
    ].join('\n'),
  );
};

const exportCommand: CommandHandler = async (invocation) => {
  const { sessionId } = invocation.turn;
  const exported = await exportSession(invocation.context.store, sessionId, invocation.context.now);
  const file = `parley-${sessionId.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
  return {
    response: {
      text: `Here is this conversation (${exported.messages.length} messages) as JSON.`,
      file: { name: file, content: `${JSON.stringify(exported, null, 2)}\n` },
    },
    commit: nothingToCommit(invocation),
  };
};

/**
 * Marks the channel forgotten as of this turn and deletes every conversation in it (the store's
 * `forgetScope`), then its usage records; the invoking session is emptied by its own `forget` commit, which
 * the mark does not refuse since it was received at the mark itself.
 */
const forgetCommand: CommandHandler = async (invocation) => {
  const { args, turn, scopeId, seq } = invocation;
  const { store, ledger } = invocation.context;
  if (args.toLowerCase() !== 'confirm') {
    return answer(
      invocation,
      'This deletes everything stored for this channel: every conversation in it (threads included), its ' +
        'summaries, persona and usage records. It cannot be undone. To go ahead, run `forget confirm`.',
    );
  }
  const forgotten = await store.forgetScope(scopeId, { before: turn.receivedAt });
  await ledger.forgetScope(scopeId);
  const conversations = new Set([...forgotten, turn.sessionId]).size;
  return answer(
    invocation,
    `Done: everything stored for this channel was deleted (${conversations} conversation${conversations === 1 ? '' : 's'}).`,
    { seq, messages: [], forget: true, receivedAt: turn.receivedAt },
  );
};

const helpCommand: CommandHandler = async (invocation) => answer(invocation, COMMAND_HELP);

const COMMAND_HANDLERS: Readonly<Record<CommandName, CommandHandler>> = {
  reset: resetCommand,
  memory: memoryCommand,
  persona: personaCommand,
  usage: usageCommand,
  export: exportCommand,
  forget: forgetCommand,
  help: helpCommand,
};

/** The handler of a command; any other name gets the help (turns reach the queue as plain JSON). */
export function commandHandler(name: string): CommandHandler {
  return Object.hasOwn(COMMAND_HANDLERS, name) ? COMMAND_HANDLERS[name as CommandName] : helpCommand;
}

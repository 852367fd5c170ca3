import type { CommandName } from '../turn/turn.ts';
import { answer, type CommandHandler, nothingToCommit, quote } from './command-invocation.ts';
import { terminalHelp, wordingOf } from './command-wording.ts';
import { formatFeedback } from './format-feedback.ts';
import { formatTotals, formatUsageByModel } from './format-usage.ts';
import { modelCommand, truncationNote } from './model-command.ts';
import { personaCommand } from './persona-command.ts';
import { exportSession } from './session-export.ts';
import { toolsCommand } from './tools-command.ts';

/** What `help` (and any command not known here) answers. */
export const COMMAND_HELP = [
  '**Commands**',
  '• `reset` — forget this conversation',
  '• `memory` — show the summary of older messages; `memory clear` drops it',
  '• `persona <text>` — set how the bot behaves in this channel; `persona` shows it; `persona reset` restores the default',
  '• `model` — the model of this conversation and the ones to choose from; `model <name>` picks one for this channel (in a thread: for the thread)',
  '• `usage` — tokens and cost of this conversation, this channel and you, today and in total',
  '• `export` — download this conversation as JSON',
  '• `forget` — delete everything stored for this channel (asks for confirmation)',
  '• `tools` — the tools the bot may use in this channel; `tools on <name>` / `tools off <name>` switch a server or `server.tool`',
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
  const { command } = wordingOf(invocation);
  if (args === 'clear') {
    if (!(await store.getMeta(turn.sessionId)).summary) {
      return answer(
        invocation,
        'There was no summary of older messages to drop; recent messages are still remembered.',
      );
    }
    await store.setMeta(turn.sessionId, { summary: null });
    return answer(
      invocation,
      'The summary of older messages was dropped; recent messages are still remembered.',
    );
  }
  if (args.length > 0)
    return answer(
      invocation,
      `Unknown option \`${args}\`. Use ${command('memory')} or ${command('memory clear')}.`,
    );
  const [meta, count] = await Promise.all([store.getMeta(turn.sessionId), store.count(turn.sessionId)]);
  const live = `I remember the last ${count} message${count === 1 ? '' : 's'} (${meta.historyTokens} tokens) of this conversation word for word.`;
  const note = await truncationNote(invocation);
  if (!meta.summary) return answer(invocation, `${live} There is no summary of older messages yet.${note}`);
  return answer(invocation, `${live} Older messages are summarized as:\n${quote(meta.summary)}${note}`);
};

const usageCommand: CommandHandler = async (invocation) => {
  const { turn, scopeId, context } = invocation;
  const [meta, report, byModel, feedback] = await Promise.all([
    context.store.getMeta(turn.sessionId),
    context.ledger.read({ scopeId, userId: turn.author.id, at: context.now }),
    context.ledger.readByModel({ scopeId, userId: turn.author.id }),
    context.feedback?.read(scopeId, turn.sessionId),
  ]);
  return answer(
    invocation,
    [
      '**Usage**',
      `• this conversation: ${formatTotals(meta.usage)}`,
      // In the terminal the conversation is its own scope: its today is what the scope's line adds.
      wordingOf(invocation).terminal
        ? `• this conversation today: ${formatTotals(report.scope.today)}`
        : `• this channel today: ${formatTotals(report.scope.today)}; in total: ${formatTotals(report.scope.total)}`,
      `• you today: ${formatTotals(report.user.today)}; in total: ${formatTotals(report.user.total)}`,
      ...formatUsageByModel(byModel, wordingOf(invocation).scope),
      ...formatFeedback(feedback),
    ].join('\n'),
  );
};

const exportCommand: CommandHandler = async (invocation) => {
  const { sessionId } = invocation.turn;
  const exported = await exportSession(invocation.context.store, sessionId, invocation.context.now);
  const feedback = await invocation.context.feedback?.read(invocation.scopeId, sessionId);
  if (feedback) exported.feedback = feedback.session;
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
  const { terminal, scope, command } = wordingOf(invocation);
  if (args.toLowerCase() !== 'confirm') {
    const what = terminal
      ? 'its messages, summary, persona and usage records'
      : 'every conversation in it (threads included), its summaries, persona and usage records';
    return answer(
      invocation,
      `This deletes everything stored for ${scope}: ${what}. It cannot be undone. To go ahead, run ${command('forget confirm')}.`,
    );
  }
  const forgotten = await store.forgetScope(scopeId, { before: turn.receivedAt });
  await ledger.forgetScope(scopeId);
  const conversations = new Set([...forgotten, turn.sessionId]).size;
  return answer(
    invocation,
    terminal
      ? `Done: everything stored for ${scope} was deleted.`
      : `Done: everything stored for ${scope} was deleted (${conversations} conversation${conversations === 1 ? '' : 's'}).`,
    { seq, messages: [], forget: true, receivedAt: turn.receivedAt },
  );
};

const helpCommand: CommandHandler = async (invocation) =>
  answer(invocation, wordingOf(invocation).terminal ? terminalHelp(COMMAND_HELP) : COMMAND_HELP);

const COMMAND_HANDLERS: Readonly<Record<CommandName, CommandHandler>> = {
  reset: resetCommand,
  memory: memoryCommand,
  persona: personaCommand,
  usage: usageCommand,
  export: exportCommand,
  forget: forgetCommand,
  tools: toolsCommand,
  model: modelCommand,
  help: helpCommand,
};

/** The handler of a command; any other name gets the help (turns reach the queue as plain JSON). */
export function commandHandler(name: string): CommandHandler {
  return Object.hasOwn(COMMAND_HANDLERS, name) ? COMMAND_HANDLERS[name as CommandName] : helpCommand;
}

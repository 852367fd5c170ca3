import type { HistoryStore, TurnCommit } from '../history/history-store.ts';
import type { CommandResponse } from '../turn/reply-channel.ts';
import type { CommandName, Turn } from '../turn/turn.ts';
import type { UsageLedger } from '../usage/usage-ledger.ts';
import { formatTotals } from './format-usage.ts';
import { exportSession } from './session-export.ts';

/** What commands need besides the turn. */
export interface CommandContext {
  /** Where conversations live. */
  store: HistoryStore;
  /** Usage per channel and user. */
  ledger: UsageLedger;
  /** The default system prompt (what `/persona reset` returns to). */
  systemPrompt: string;
  /** Users allowed to run admin commands; empty means everyone may. */
  adminUsers: readonly string[];
  /** Commands reserved to admins (when `adminUsers` is set). */
  adminCommands: readonly string[];
  /** Current time, ms since epoch. */
  now: number;
}

/** A command's effect: the private answer, and what to commit for its turn. */
export interface CommandOutcome {
  /** The answer for the invoker. */
  response: CommandResponse;
  /** Committed with the command's seq (changes made by the command itself, like a reset). */
  commit: TurnCommit;
}

/** Longest persona accepted, in characters. */
export const MAX_PERSONA_LENGTH = 4_000;

export const COMMAND_HELP = [
  '**Commands**',
  '• `reset` — forget this conversation',
  '• `memory` — show the summary of older messages; `memory clear` drops it',
  '• `persona <text>` — set how the bot behaves in this channel; `persona` shows it; `persona reset` restores the default',
  '• `usage` — tokens and cost of this conversation, this channel and you, today and in total',
  '• `export` — download this conversation as JSON',
  '• `forget` — delete everything stored for this channel (asks for confirmation)',
].join('\n');

const quote = (text: string) =>
  text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');

/**
 * Runs a chat command in its session's order (so it sees every earlier turn committed) and returns the answer
 * for the invoker. Commands never call the model.
 */
export async function runCommand(turn: Turn, seq: number, context: CommandContext): Promise<CommandOutcome> {
  const name: CommandName = turn.command?.name ?? 'help';
  const args = (turn.command?.args ?? '').trim();
  const scopeId = turn.scopeId ?? turn.sessionId;
  const { store } = context;
  const nothing: TurnCommit = { seq, messages: [], scopeId };
  const answer = (text: string, commit: TurnCommit = nothing): CommandOutcome => ({
    response: { text },
    commit,
  });

  const changesSomething =
    (name === 'persona' && args.length > 0) || (name === 'forget' && args.toLowerCase() === 'confirm');
  if (
    changesSomething &&
    context.adminUsers.length > 0 &&
    context.adminCommands.includes(name) &&
    !context.adminUsers.includes(turn.author.id)
  ) {
    return answer(`Only admins can use \`${name}\` here. Ask one of them, or see \`help\`.`);
  }

  switch (name) {
    case 'reset':
      return answer('Memory cleared: this conversation starts afresh.', {
        seq,
        clear: true,
        messages: [],
        scopeId,
      });

    case 'memory': {
      if (args === 'clear') {
        await store.setMeta(turn.sessionId, { summary: null });
        return answer('The summary of older messages was dropped; recent messages are still remembered.');
      }
      if (args.length > 0) return answer(`Unknown option \`${args}\`. Use \`memory\` or \`memory clear\`.`);
      const [meta, count] = await Promise.all([store.getMeta(turn.sessionId), store.count(turn.sessionId)]);
      const live = `I remember the last ${count} message${count === 1 ? '' : 's'} (${meta.historyTokens} tokens) of this conversation word for word.`;
      if (!meta.summary) return answer(`${live} There is no summary of older messages yet.`);
      return answer(`${live} Older messages are summarized as:\n${quote(meta.summary)}`);
    }

    case 'persona': {
      if (args.length === 0) {
        const persona = (await store.getMeta(scopeId)).persona;
        return answer(
          persona
            ? `This channel's persona:\n${quote(persona)}\nUse \`persona reset\` to return to the default.`
            : `This channel uses the default system prompt:\n${quote(context.systemPrompt)}`,
        );
      }
      if (args.toLowerCase() === 'reset') {
        await store.setMeta(scopeId, { persona: null });
        return answer('Persona reset: this channel uses the default system prompt again.');
      }
      if (args.length > MAX_PERSONA_LENGTH) {
        return answer(`That persona is ${args.length} characters long; the limit is ${MAX_PERSONA_LENGTH}.`);
      }
      await store.setMeta(scopeId, { persona: args });
      return answer(`Persona set for this channel (threads in it follow it too):\n${quote(args)}`);
    }

    case 'usage': {
      const [meta, report] = await Promise.all([
        store.getMeta(turn.sessionId),
        context.ledger.read({ scopeId, userId: turn.author.id, at: context.now }),
      ]);
      return answer(
        [
          '**Usage**',
          `• this conversation: ${formatTotals(meta.usage)}`,
          `• this channel today: ${formatTotals(report.scope.today)}; in total: ${formatTotals(report.scope.total)}`,
          `• you today: ${formatTotals(report.user.today)}; in total: ${formatTotals(report.user.total)}`,
        ].join('\n'),
      );
    }

    case 'export': {
      const exported = await exportSession(store, turn.sessionId, context.now);
      const file = `parley-${turn.sessionId.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
      return {
        response: {
          text: `Here is this conversation (${exported.messages.length} messages) as JSON.`,
          file: { name: file, content: `${JSON.stringify(exported, null, 2)}\n` },
        },
        commit: nothing,
      };
    }

    case 'forget': {
      if (args.toLowerCase() !== 'confirm') {
        return answer(
          'This deletes everything stored for this channel: every conversation in it (threads included), its ' +
            'summaries, persona and usage records. It cannot be undone. To go ahead, run `forget confirm`.',
        );
      }
      const sessions = new Set(await store.sessionsInScope(scopeId));
      sessions.add(scopeId);
      sessions.delete(turn.sessionId);
      for (const sessionId of sessions) await store.forget(sessionId);
      await context.ledger.forgetScope(scopeId);
      return answer(
        `Done: everything stored for this channel was deleted (${sessions.size + 1} conversation${sessions.size === 0 ? '' : 's'}).`,
        { seq, messages: [], forget: true },
      );
    }

    default:
      return answer(COMMAND_HELP);
  }
}

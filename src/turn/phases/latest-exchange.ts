import type { Logger } from '../../app/logger.ts';
import type { HistoryStore, StoredMessage } from '../../history/history-store.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/**
 * A question and the bot's answer to it, when they are still the newest messages of a conversation: the user's
 * message, the tool calls and results the answer needed (if any), and the answer.
 */
export interface LatestExchange {
  /** The user's message whose `ref` was edited or deleted. */
  question: StoredMessage;
  /** The bot's reply, the exchange's last message (its `replies` are the platform messages showing it). */
  answer: StoredMessage;
  /** Every message of the exchange, question first and answer last (tool calls and results between). */
  messages: StoredMessage[];
  /** Tokens of all of them: what the history loses when the exchange is replaced or removed. */
  tokens: number;
}

/** How many newest messages are read to find a question answered with tools (calls and results between). */
const TOOL_EXCHANGE_WINDOW = 200;

/**
 * The conversation's newest messages when they are the message `ref`, then the bot's answer to it — directly,
 * or after the tool calls and results it took: only then does an edit answer again in place, or a delete take
 * the reply with it. Anything said since leaves the reply standing; the remembered message is amended instead.
 * Reads two messages, however long the history (more only when the answer came after tool results).
 */
export async function latestExchange(
  store: Pick<HistoryStore, 'load'>,
  sessionId: string,
  ref: string,
): Promise<LatestExchange | undefined> {
  let newest = await store.load(sessionId, { maxMessages: 2 });
  if (newest.at(-1)?.role !== 'assistant') return undefined;
  if (newest.at(-2)?.role === 'tool')
    newest = await store.load(sessionId, { maxMessages: TOOL_EXCHANGE_WINDOW });
  const start = questionIndex(newest);
  const question = start === undefined ? undefined : newest[start];
  if (start === undefined || question?.ref !== ref) return undefined;
  const messages = newest.slice(start);
  const answer = messages.at(-1)!;
  return { question, answer, messages, tokens: messages.reduce((sum, message) => sum + message.tokens, 0) };
}

/**
 * Where the question is: walking back from the answer over whole tool units (results, then the call they
 * answer), the user message before them; `undefined` when anything else comes first.
 */
function questionIndex(newest: readonly StoredMessage[]): number | undefined {
  let index = newest.length - 2;
  while (index >= 0 && newest[index]!.role === 'tool') {
    while (index >= 0 && newest[index]!.role === 'tool') index--;
    if (index < 0 || newest[index]!.role !== 'assistant' || !newest[index]!.toolCalls?.length)
      return undefined;
    index--;
  }
  return index >= 0 && newest[index]!.role === 'user' ? index : undefined;
}

/**
 * Replaces (`replacement`) or removes (`null`) the remembered message `ref` wherever it still is among the
 * newest messages, logging a target no longer stored (too old, or never remembered) at debug.
 */
export async function amendRemembered(
  deps: Pick<TurnDependencies, 'store'>,
  job: TurnJob,
  change: { ref: string; replacement: StoredMessage | null; log: Logger },
): Promise<void> {
  const position = await deps.store.amendMessage(job.turn.sessionId, change.ref, change.replacement);
  const kind = change.replacement ? 'edit' : 'delete';
  const done = change.replacement ? 'edited' : 'deleted';
  if (position < 0) change.log.debug({ kind }, `the ${done} message is not remembered; nothing to change`);
  else change.log.info({ kind, position }, `remembered message ${done}`);
}

/** Commits an edit or delete that changed nothing but the remembered text: only its seq moves on. */
export function commitNothing(deps: Pick<TurnDependencies, 'store'>, job: TurnJob): Promise<boolean> {
  const { turn, seq } = job;
  return deps.store.commitTurn(turn.sessionId, {
    seq,
    messages: [],
    scopeId: turn.scopeId ?? turn.sessionId,
    receivedAt: turn.receivedAt,
  });
}

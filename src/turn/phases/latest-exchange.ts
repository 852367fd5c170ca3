import type { Logger } from '../../app/logger.ts';
import type { HistoryStore, StoredMessage } from '../../history/history-store.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** A question and the bot's answer to it, when they are still the newest two messages of a conversation. */
export interface LatestExchange {
  /** The user's message whose `ref` was edited or deleted. */
  question: StoredMessage;
  /** The bot's reply right after it (its `replies` are the platform messages showing it). */
  answer: StoredMessage;
}

/**
 * The conversation's newest two messages when they are the message `ref` and the bot's reply to it: only then
 * does an edit answer again in place, or a delete take the reply with it. Anything said since leaves the reply
 * standing; the remembered message is amended instead. Reads two messages, however long the history.
 */
export async function latestExchange(
  store: Pick<HistoryStore, 'load'>,
  sessionId: string,
  ref: string,
): Promise<LatestExchange | undefined> {
  const [question, answer] = await store.load(sessionId, { maxMessages: 2 });
  if (question?.role !== 'user' || question.ref !== ref || answer?.role !== 'assistant') return undefined;
  return { question, answer };
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

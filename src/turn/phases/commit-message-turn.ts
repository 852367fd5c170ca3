import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { StoredMessage } from '../../history/history-store.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { PostedMessage } from '../reply-channel.ts';
import type { TurnDependencies } from './turn-dependencies.ts';
import type { TurnResult } from './turn-result.ts';

/** What one message turn commits besides its result. */
export interface MessageCommit {
  /** The turn's result: messages, usage, response chain. */
  result: TurnResult;
  /** When the model call started, ms since epoch (for the log). */
  modelStarted: number;
  /** Logger carrying the session. */
  log: Logger;
  /** The platform messages showing the answer, stored with it so an edit or delete of the question finds them. */
  replies?: PostedMessage[];
  /** Stored messages the turn replaces (an edited question and its old answer), dropped in the same step. */
  dropLast?: number;
}

/**
 * Commits the turn's messages, usage and response chain with its seq, atomically and at most once, then
 * counts and logs how it ended. Resolves false when the seq was already committed (another run of the same
 * turn got there first) or its scope was forgotten after it was received: nothing was applied, and nothing
 * is counted again.
 */
export async function commitMessageTurn(
  deps: Pick<TurnDependencies, 'store' | 'metrics' | 'now'>,
  job: TurnJob,
  committed: MessageCommit,
): Promise<boolean> {
  const { turn, seq } = job;
  const { result } = committed;
  const applied = await deps.store.commitTurn(turn.sessionId, {
    seq,
    messages: withReplies(result, committed.replies ?? []),
    usage: result.usage,
    scopeId: turn.scopeId ?? turn.sessionId,
    responseId: result.responseId,
    receivedAt: turn.receivedAt,
    ...(committed.dropLast ? { dropLast: committed.dropLast } : {}),
  });
  if (!applied) {
    committed.log.warn('the turn was already committed by another run; its usage is not counted again');
    return false;
  }
  deps.metrics?.turnDone(result.outcome, receivedByParleyAt(turn));
  committed.log.info(
    {
      outcome: result.outcome,
      promptTokens: result.usage?.promptTokens,
      completionTokens: result.usage?.completionTokens,
      modelMs: deps.now() - committed.modelStarted,
    },
    'turn done',
  );
  return true;
}

/** The result's messages, the answer (the last one, when there is an answer) carrying the messages showing it. */
function withReplies(result: TurnResult, replies: PostedMessage[]): StoredMessage[] {
  const answer = result.messages.at(-1);
  if (result.outcome !== 'answered' || replies.length === 0 || answer?.role !== 'assistant')
    return result.messages;
  return [...result.messages.slice(0, -1), { ...answer, replies: [...replies] }];
}

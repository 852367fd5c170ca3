import type { Logger } from '../../app/logger.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { TurnDependencies } from './turn-dependencies.ts';
import type { TurnResult } from './turn-result.ts';

/**
 * Commits the turn's messages, usage and response chain with its seq, atomically and at most once, then
 * counts and logs how it ended. Resolves false when the seq was already committed (another run of the same
 * turn got there first): nothing was applied, and nothing is counted again.
 */
export async function commitMessageTurn(
  deps: Pick<TurnDependencies, 'store' | 'metrics' | 'now'>,
  job: TurnJob,
  committed: { result: TurnResult; modelStarted: number; log: Logger },
): Promise<boolean> {
  const { turn, seq } = job;
  const { result } = committed;
  const applied = await deps.store.commitTurn(turn.sessionId, {
    seq,
    messages: result.messages,
    usage: result.usage,
    scopeId: turn.scopeId ?? turn.sessionId,
    responseId: result.responseId,
  });
  if (!applied) {
    committed.log.warn('the turn was already committed by another run; its usage is not counted again');
    return false;
  }
  deps.metrics?.turnDone(result.outcome, turn.receivedAt);
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

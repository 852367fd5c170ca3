import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import type { TurnDependencies } from './turn-dependencies.ts';

/** Clears the session's history and summary in its turn order; usage totals and persona stay. */
export async function runResetTurn(
  deps: Pick<TurnDependencies, 'store' | 'metrics'>,
  job: TurnJob,
  log: Logger,
): Promise<void> {
  const { turn, seq } = job;
  const applied = await deps.store.commitTurn(turn.sessionId, {
    seq,
    clear: true,
    messages: [],
    scopeId: turn.scopeId ?? turn.sessionId,
    receivedAt: turn.receivedAt,
  });
  if (!applied) {
    log.warn('the reset was already committed by another run');
    return;
  }
  log.info('session reset');
  deps.metrics?.turnDone('reset', receivedByParleyAt(turn));
}

import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { type AfterCommitDependencies, afterCommit } from './after-commit.ts';
import { pendingMessages } from './load-turn.ts';

/**
 * Remembers a message that was not addressed to the bot (a followed thread, someone else spoken to) without
 * answering it or calling the model: the user's message (author and `ref` included) is committed like any
 * other, so it counts in the history's budget and is summarized with the rest when the history grows.
 */
export async function runListenTurn(deps: AfterCommitDependencies, job: TurnJob, log: Logger): Promise<void> {
  const { turn, seq } = job;
  const pending = await pendingMessages(deps, turn);
  const messages = [...pending.seeded, pending.userMessage];
  const meta = await deps.store.getMeta(turn.sessionId);
  const applied = await deps.store.commitTurn(turn.sessionId, {
    seq,
    messages,
    scopeId: turn.scopeId ?? turn.sessionId,
    receivedAt: turn.receivedAt,
  });
  if (!applied) {
    log.warn('the listened message was already committed by another run');
    return;
  }
  log.info('message remembered without an answer');
  deps.metrics?.turnDone('listened', receivedByParleyAt(turn));
  await afterCommit(deps, { turn, meta, result: { outcome: 'listened', messages, usage: undefined }, log });
}

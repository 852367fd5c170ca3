import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { type DeliveryDependencies, deliverAndCommit, finishReply } from './deliver.ts';
import type { TurnDependencies, TurnReply } from './turn-dependencies.ts';

/** Answers a turn past its daily budget with why, and commits it without its message. */
export async function declineTurn(
  deps: DeliveryDependencies & Pick<TurnDependencies, 'store'>,
  job: TurnJob,
  declined: { reply: TurnReply; text: string; deadline: number; log: Logger },
): Promise<void> {
  const { turn, seq } = job;
  const applied = await deliverAndCommit(deps, {
    post: finishReply(declined.reply, declined.text, { isError: true }),
    // The model never saw the message, so it is not part of the conversation.
    commit: () =>
      deps.store.commitTurn(turn.sessionId, {
        seq,
        messages: [],
        scopeId: turn.scopeId ?? turn.sessionId,
        receivedAt: turn.receivedAt,
      }),
    deadline: declined.deadline,
    log: declined.log,
    what: 'budget notice',
  });
  if (!applied) return;
  declined.log.info('declined: daily budget used');
  deps.metrics?.turnDone('declined', receivedByParleyAt(turn));
}

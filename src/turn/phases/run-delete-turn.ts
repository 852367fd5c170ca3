import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { type DeliveryDependencies, deliverAndCommit } from './deliver.ts';
import { amendRemembered, commitNothing, type LatestExchange, latestExchange } from './latest-exchange.ts';
import { replyChannelFor, type TurnDependencies } from './turn-dependencies.ts';

/** What a delete turn draws on. */
export type DeleteTurnDependencies = DeliveryDependencies &
  Pick<TurnDependencies, 'store' | 'replyChannels' | 'turnDeadlineMs'>;

/**
 * Its author deleted a message (`targetRef`). While it and the bot's answer are the conversation's latest
 * exchange, both go: the answer's messages are deleted on the platform and the exchange is dropped from the
 * history. Otherwise the message is only forgotten (the answer stays: the talk has moved on).
 */
export async function runDeleteTurn(deps: DeleteTurnDependencies, job: TurnJob, log: Logger): Promise<void> {
  const { turn } = job;
  const ref = turn.targetRef;
  const exchange = ref === undefined ? undefined : await latestExchange(deps.store, turn.sessionId, ref);
  if (exchange) return deleteExchange(deps, job, exchange, log);
  if (ref === undefined) log.warn('a delete turn without a target; nothing to change');
  else await amendRemembered(deps, job, { ref, replacement: null, log });
  if (await commitNothing(deps, job)) deps.metrics?.turnDone('deleted', receivedByParleyAt(job.turn));
  else log.warn('the delete was already committed by another run');
}

async function deleteExchange(
  deps: DeleteTurnDependencies,
  job: TurnJob,
  exchange: LatestExchange,
  log: Logger,
): Promise<void> {
  const { turn, seq } = job;
  const replies = exchange.answer.replies ?? [];
  // Only a reply that was posted needs the platform; one never recorded is just forgotten.
  const channel = replies.length > 0 ? replyChannelFor(deps, turn) : undefined;
  const applied = await deliverAndCommit(deps, {
    post: async () => {
      await channel?.deleteReply?.(turn.target, replies);
    },
    commit: () =>
      deps.store.commitTurn(turn.sessionId, {
        seq,
        messages: [],
        dropLast: exchange.messages.length,
        scopeId: turn.scopeId ?? turn.sessionId,
        receivedAt: turn.receivedAt,
      }),
    deadline: deps.now() + deps.turnDeadlineMs,
    log,
    what: 'deletion of the reply',
  });
  if (applied) {
    log.info({ replies: replies.length }, 'deleted message and its reply forgotten');
    deps.metrics?.turnDone('deleted', receivedByParleyAt(turn));
  } else log.warn('the delete was already committed by another run');
}

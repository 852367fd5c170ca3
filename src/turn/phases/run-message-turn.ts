import type { Logger } from '../../app/logger.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { afterCommit } from './after-commit.ts';
import { buildFullRequest, buildRequest } from './build-request.ts';
import { callModel } from './call-model.ts';
import { commitMessageTurn } from './commit-message-turn.ts';
import { tighterDependencies } from './conversation-model.ts';
import { declineTurn } from './decline-turn.ts';
import { deliverAndCommit, finishReply } from './deliver.ts';
import { foldBurst } from './fold-burst.ts';
import { loadTurn, pendingMessages } from './load-turn.ts';
import { openTurnTools } from './tool-rounds.ts';
import { openTurnReply, replyChannelFor, type TurnDependencies } from './turn-dependencies.ts';
import { failureAudience, toTurnResult } from './turn-result.ts';
import { withAnswerRef } from './with-answer-ref.ts';

/**
 * Answers a message turn: load → build request → call model → deliver → commit → after commit, all within the
 * run's deadline. A worker that cannot answer on the turn's platform throws before anything else happens.
 */
export async function runMessageTurn(deps: TurnDependencies, job: TurnJob, log: Logger): Promise<void> {
  const { turn } = job;
  const deadline = deps.now() + deps.turnDeadlineMs;
  const reply = openTurnReply(replyChannelFor(deps, turn), job);
  const burst = await foldBurst(deps, job);
  const pending = { ...(await pendingMessages(deps, turn)), ...(burst ? { folded: burst.messages } : {}) };
  const loaded = await loadTurn(deps, turn, pending);
  if ('declined' in loaded) return declineTurn(deps, job, { reply, text: loaded.declined, deadline, log });

  const request = await buildRequest(deps, loaded);
  const stop = deps.stops?.watch(turn.id);
  const call = await callModel(deps, {
    request,
    rebuild: () => buildFullRequest(deps, loaded),
    trimHarder: async () => buildFullRequest(await tighterDependencies(deps, turn, request), loaded),
    reply: reply.stream,
    log,
    deadline,
    tools: await openTurnTools(deps, turn),
    stop: stop?.signal,
  }).finally(() => stop?.done());
  const result = toTurnResult(deps, loaded, call, failureAudience(turn));
  const applied = await deliverAndCommit(deps, {
    post: finishReply(reply, result.text, withAnswerRef(result.details, turn, deps.model.model)),
    commit: () =>
      commitMessageTurn(deps, burst?.job ?? job, {
        result,
        modelStarted: call.started,
        log,
        replies: reply.posted(),
      }),
    deadline,
    log,
    what: 'reply',
  });
  if (applied) await afterCommit(deps, { turn, meta: loaded.meta, result, log });
}

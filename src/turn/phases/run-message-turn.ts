import type { Logger } from '../../app/logger.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { afterCommit } from './after-commit.ts';
import { buildFullRequest, buildRequest } from './build-request.ts';
import { callModel } from './call-model.ts';
import { commitMessageTurn } from './commit-message-turn.ts';
import { declineTurn } from './decline-turn.ts';
import { deliverReply } from './deliver.ts';
import { giveUpTurn } from './give-up-turn.ts';
import { loadTurn, pendingMessages } from './load-turn.ts';
import { openReplyStream, replyChannelFor, type TurnDependencies } from './turn-dependencies.ts';
import { toTurnResult } from './turn-result.ts';

/** Answers a message turn: load → build request → call model → deliver → commit → after commit. */
export async function runMessageTurn(deps: TurnDependencies, job: TurnJob, log: Logger): Promise<void> {
  const { turn } = job;
  const lastRun = job.attempt >= job.maxAttempts;
  const pending = await pendingMessages(deps, turn);
  const reply = openReplyStream(replyChannelFor(deps, turn), job);
  if (job.attempt > job.maxAttempts) return giveUpTurn(deps, job, { reply, pending, log });

  const loaded = await loadTurn(deps, turn, pending);
  if ('declined' in loaded) return declineTurn(deps, job, { reply, text: loaded.declined, log });

  const request = await buildRequest(deps, loaded);
  const call = await callModel(deps, { request, rebuild: () => buildFullRequest(deps, loaded), reply, log });
  const result = toTurnResult(deps, loaded, call);
  await deliverReply(deps, { reply, result, lastRun, log });
  await commitMessageTurn(deps, job, { result, modelStarted: call.started, log });
  await afterCommit(deps, { turn, meta: loaded.meta, result, log });
}

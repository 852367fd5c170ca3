import type { Logger } from '../../app/logger.ts';
import { receivedByParleyAt } from '../../app/metrics.ts';
import type { StoredMessage } from '../../history/history-store.ts';
import type { TurnJob } from '../../queue/turn-queue.ts';
import { afterCommit } from './after-commit.ts';
import { buildFullRequest } from './build-request.ts';
import { callModel } from './call-model.ts';
import { commitMessageTurn } from './commit-message-turn.ts';
import { deliverAndCommit, finishReply } from './deliver.ts';
import { amendRemembered, commitNothing, type LatestExchange, latestExchange } from './latest-exchange.ts';
import { type LoadedTurn, loadTurn, userMessageOf } from './load-turn.ts';
import { openTurnTools } from './tool-rounds.ts';
import { openTurnReply, replyChannelFor, type TurnDependencies } from './turn-dependencies.ts';
import { failureAudience, type TurnResult, toTurnResult } from './turn-result.ts';

/**
 * Its author edited a message (`targetRef`, which now reads `text`). While it and the bot's answer are the
 * conversation's latest exchange, the edited text is answered again: the old answer's messages are edited in
 * place (no second message) and the exchange is replaced in the history by the edited message and the new
 * answer. Otherwise only the remembered text changes; the bot does not answer again. A target no longer
 * remembered changes nothing.
 */
export async function runEditTurn(deps: TurnDependencies, job: TurnJob, log: Logger): Promise<void> {
  const { turn } = job;
  const ref = turn.targetRef;
  if (ref === undefined) {
    log.warn('an edit turn without a target; nothing to change');
    return settleUnanswered(deps, job, log);
  }
  const exchange = await latestExchange(deps.store, turn.sessionId, ref);
  // The edited question keeps the files it came with.
  const edited = userMessageOf(deps, turn, {
    ref,
    at: exchange?.question.at,
    attachments: exchange?.question.attachments,
  });
  if (exchange) {
    const loaded = await loadTurn(deps, turn, { seeded: [], userMessage: edited });
    // Past its budget the edit is remembered but not answered: the old answer stays, not a notice over it.
    if (!('declined' in loaded)) return answerAgain(deps, job, { loaded, exchange, log });
    log.info('edit not answered again: daily budget used');
  }
  await amendRemembered(deps, job, { ref, replacement: edited, log });
  await settleUnanswered(deps, job, log);
}

async function settleUnanswered(deps: TurnDependencies, job: TurnJob, log: Logger): Promise<void> {
  if (await commitNothing(deps, job)) deps.metrics?.turnDone('edited', receivedByParleyAt(job.turn));
  else log.warn('the edit was already committed by another run');
}

async function answerAgain(
  deps: TurnDependencies,
  job: TurnJob,
  edit: { loaded: LoadedTurn; exchange: LatestExchange; log: Logger },
): Promise<void> {
  const { loaded, exchange, log } = edit;
  const { turn } = job;
  const deadline = deps.now() + deps.turnDeadlineMs;
  // A re-run edits what the first run posted; the first run edits the old answer's messages.
  const previous = job.previousReplies.length > 0 ? job.previousReplies : (exchange.answer.replies ?? []);
  const reply = openTurnReply(replyChannelFor(deps, turn), job, previous);
  const window = await historyBefore(deps, turn.sessionId, exchange);
  // Always the whole conversation: a server-side response chain holds the old exchange.
  const request = () => buildFullRequest(deps, loaded, window);
  const call = await callModel(deps, {
    request: await request(),
    rebuild: request,
    reply: reply.stream,
    log,
    deadline,
    // The edited question may use tools like any question.
    tools: await openTurnTools(deps, turn),
  });
  const result = withoutOldChain(deps, toTurnResult(deps, loaded, call, failureAudience(turn)));
  const applied = await deliverAndCommit(deps, {
    post: finishReply(reply, result.text, result.details),
    commit: () =>
      commitMessageTurn(deps, job, {
        result,
        modelStarted: call.started,
        log,
        replies: reply.posted(),
        dropLast: exchange.messages.length,
      }),
    deadline,
    log,
    what: 'reply to the edited message',
  });
  const dropped = exchange.tokens;
  const meta = { ...loaded.meta, historyTokens: Math.max(0, loaded.meta.historyTokens - dropped) };
  if (applied) await afterCommit(deps, { turn, meta, result, log });
}

/** The history window the edited question is answered from: everything before the exchange it replaces. */
async function historyBefore(
  deps: Pick<TurnDependencies, 'store' | 'historyBudget' | 'prompt'>,
  sessionId: string,
  exchange: LatestExchange,
): Promise<StoredMessage[]> {
  const { maxHistoryMessages } = deps.prompt;
  const window = await deps.store.load(sessionId, {
    maxTokens: deps.historyBudget + exchange.tokens,
    maxMessages: maxHistoryMessages === undefined ? undefined : maxHistoryMessages + exchange.messages.length,
  });
  return window.slice(0, -exchange.messages.length);
}

/** The old response chain ends with the old answer: an answer again never continues it. */
function withoutOldChain(deps: Pick<TurnDependencies, 'model'>, result: TurnResult): TurnResult {
  if (!deps.model.chainsResponses || result.responseId !== undefined) return result;
  return { ...result, responseId: null };
}

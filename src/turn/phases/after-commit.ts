import type { Logger } from '../../app/logger.ts';
import type { SessionMeta, StoredMessage, UsageDelta } from '../../history/history-store.ts';
import { summarizeIfNeeded } from '../../history/summarize.ts';
import type { Turn } from '../turn.ts';
import type { TurnDependencies } from './turn-dependencies.ts';
import type { TurnResult } from './turn-result.ts';

/** What a committed turn added: its messages and the usage of its model call, if one was made. */
export interface CommittedResult {
  /** How the turn ended: `listened` for a message remembered without an answer. */
  outcome: TurnResult['outcome'] | 'listened';
  /** The messages committed. */
  messages: StoredMessage[];
  /** Usage of the model call, when one succeeded. */
  usage: UsageDelta | undefined;
}

/** What the bookkeeping after a commit draws on. */
export type AfterCommitDependencies = Pick<
  TurnDependencies,
  'store' | 'model' | 'counter' | 'ledger' | 'metrics' | 'now' | 'prompt' | 'historyBudget' | 'summary'
>;

/**
 * Bookkeeping once the turn is committed: its usage goes to the ledger (for `/usage` and budgets), then the
 * history is summarized if it has grown past the threshold (summaries cost usage of their own) — unless
 * the turn's model call failed: a model that is down or rate-limited would only fail the summary too (a
 * message listened to, with no model call, grows the history like any other). Call
 * it only for a commit that was applied, so a replayed turn is not counted twice. Never throws: the turn is
 * settled, and a throw would only make the queue run it again.
 */
export async function afterCommit(
  deps: AfterCommitDependencies,
  committed: { turn: Turn; meta: SessionMeta; result: CommittedResult; log: Logger },
): Promise<void> {
  try {
    await recordUsage(deps, committed.turn, committed.result.usage, deps.model.model);
    if (committed.result.outcome !== 'model_error') await summarizeAfterTurn(deps, committed);
  } catch (error) {
    deps.metrics?.error('store');
    committed.log.error({ err: error }, 'bookkeeping after the commit failed; the turn stays committed');
  }
}

/** Adds one model call's usage to the ledger under the turn's channel and author. */
export async function recordUsage(
  deps: Pick<TurnDependencies, 'ledger' | 'now'>,
  turn: Turn,
  usage: UsageDelta | undefined,
  model?: string,
): Promise<void> {
  if (!usage) return;
  await deps.ledger.record({
    scopeId: turn.scopeId ?? turn.sessionId,
    userId: turn.author.id,
    at: deps.now(),
    usage,
    ...(model === undefined ? {} : { model }),
  });
}

async function summarizeAfterTurn(
  deps: AfterCommitDependencies,
  committed: { turn: Turn; meta: SessionMeta; result: CommittedResult; log: Logger },
): Promise<void> {
  if (!deps.summary || deps.model.chainsResponses) return;
  const { turn, meta, result } = committed;
  const historyTokens =
    meta.historyTokens + result.messages.reduce((sum, message) => sum + message.tokens, 0);
  const summaryUsage = await summarizeIfNeeded(turn.sessionId, historyTokens, {
    store: deps.store,
    model: deps.model,
    counter: deps.counter,
    historyBudget: deps.historyBudget,
    maxContextTokens: deps.prompt.maxContextTokens,
    maxReplyTokens: deps.prompt.maxReplyTokens,
    threshold: deps.summary.threshold,
    logger: committed.log,
  });
  if (summaryUsage) {
    deps.metrics?.modelCall(deps.model.model, 0, summaryUsage, summaryUsage.costUsd);
    await recordUsage(deps, turn, summaryUsage, deps.model.model);
  }
}

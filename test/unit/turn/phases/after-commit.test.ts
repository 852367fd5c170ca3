import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../../src/history/history-store.ts';
import { SUMMARY_INSTRUCTIONS } from '../../../../src/history/summarize.ts';
import { toStoredMessage } from '../../../../src/prompt/render-message.ts';
import { afterCommit, recordUsage } from '../../../../src/turn/phases/after-commit.ts';
import type { TurnResult } from '../../../../src/turn/phases/turn-result.ts';
import { SCRIPTED_COST, SCRIPTED_USAGE } from '../scripted-model-client.ts';
import { counter, makeDependencies, makeTurn, type TestDependencies } from '../turn-fixtures.ts';

const turn = makeTurn({ scopeId: 'console:chan' });
const usage = { promptTokens: 100, completionTokens: 20, costUsd: 0.01 };

function resultOf(messages: StoredMessage[], withUsage = usage): TurnResult {
  return {
    outcome: 'answered',
    text: '',
    details: { isError: false },
    messages,
    usage: withUsage,
    responseId: undefined,
  };
}

async function readLedger(deps: TestDependencies) {
  return deps.ledger.read({ scopeId: 'console:chan', userId: 'U1', at: deps.now() });
}

/** A long conversation already stored, and the turn that pushes it past the summary threshold. */
async function longConversation(deps: TestDependencies): Promise<TurnResult> {
  const long = 'word '.repeat(250);
  const stored = [1, 2, 3, 4].map((at) =>
    toStoredMessage(
      at % 2
        ? { role: 'user', content: long, author: turn.author, at }
        : { role: 'assistant', content: long, at },
      counter,
    ),
  );
  await deps.store.commitTurn('console:s', { seq: 1, messages: stored });
  return resultOf([]);
}

describe('recordUsage', () => {
  it("adds usage under the turn's channel and author, and nothing without usage", async () => {
    const deps = makeDependencies();
    await recordUsage(deps, turn, usage);
    await recordUsage(deps, turn, undefined);
    const report = await readLedger(deps);
    expect(report.scope.total).toMatchObject({ promptTokens: 100, completionTokens: 20, calls: 1 });
    expect(report.user.today).toMatchObject({ promptTokens: 100, calls: 1 });
  });
});

describe('afterCommit', () => {
  it('records the turn and makes no summary when rolling summaries are off', async () => {
    const deps = makeDependencies();
    const result = await longConversation(deps);
    await afterCommit(deps, { turn, meta: await deps.store.getMeta('console:s'), result, log: deps.logger });
    expect((await readLedger(deps)).scope.total.calls).toBe(1);
    expect(deps.model.requests).toHaveLength(0);
  });

  it('summarizes past the threshold, counting and recording the summary call as usage too', async () => {
    const deps = makeDependencies({
      steps: [{ text: 'They talked at length.' }],
      overrides: { summary: { threshold: 0.2 } },
    });
    const result = await longConversation(deps);
    await afterCommit(deps, { turn, meta: await deps.store.getMeta('console:s'), result, log: deps.logger });
    expect(deps.model.requests[0]!.messages[0]).toEqual({ role: 'system', content: SUMMARY_INSTRUCTIONS });
    expect((await deps.store.getMeta('console:s')).summary).toBe('They talked at length.');
    expect(await deps.store.count('console:s')).toBeLessThan(4);
    expect(deps.metrics.events).toEqual([
      ['modelCall', 'scripted-model', 0, { ...SCRIPTED_USAGE, costUsd: SCRIPTED_COST }, SCRIPTED_COST],
    ]);
    expect((await readLedger(deps)).scope.total).toMatchObject({
      calls: 2,
      promptTokens: usage.promptTokens + SCRIPTED_USAGE.promptTokens,
    });
  });

  it("counts the turn's new messages towards the threshold", async () => {
    const deps = makeDependencies({
      steps: [{ text: 'summary' }],
      overrides: { summary: { threshold: 0.2 } },
    });
    const result = await longConversation(deps);
    const metaBefore = { ...(await deps.store.getMeta('console:s')), historyTokens: 0 };
    await afterCommit(deps, { turn, meta: metaBefore, result, log: deps.logger });
    expect(deps.model.requests).toHaveLength(0);
    const grown = resultOf((await deps.store.load('console:s')).slice(0, 4));
    await afterCommit(deps, { turn, meta: metaBefore, result: grown, log: deps.logger });
    expect(deps.model.requests).toHaveLength(1);
  });

  it('makes no summary after a turn whose model call failed: the model would only fail again', async () => {
    const deps = makeDependencies({
      steps: [{ text: 'summary' }],
      overrides: { summary: { threshold: 0.2 } },
    });
    const failed: TurnResult = {
      ...(await longConversation(deps)),
      outcome: 'model_error',
      usage: undefined,
    };
    await afterCommit(deps, {
      turn,
      meta: await deps.store.getMeta('console:s'),
      result: failed,
      log: deps.logger,
    });
    expect(deps.model.requests).toHaveLength(0);
    expect(await deps.store.count('console:s')).toBe(4);
  });

  it('logs and counts a failing ledger instead of throwing: the turn is already committed', async () => {
    const deps = makeDependencies();
    deps.ledger.record = async () => {
      throw new Error('ledger down');
    };
    const result = await longConversation(deps);
    await afterCommit(deps, { turn, meta: await deps.store.getMeta('console:s'), result, log: deps.logger });
    expect(deps.metrics.events).toEqual([['error', 'store']]);
    expect(deps.lines).toMatchObject([
      {
        level: 50,
        msg: 'bookkeeping after the commit failed; the turn stays committed',
        err: { message: 'ledger down' },
      },
    ]);
  });

  it('leaves a chained session to the server', async () => {
    const deps = makeDependencies({
      chainsResponses: true,
      steps: [{ text: 'summary' }],
      overrides: { summary: { threshold: 0.2 } },
    });
    const result = await longConversation(deps);
    await afterCommit(deps, { turn, meta: await deps.store.getMeta('console:s'), result, log: deps.logger });
    expect(deps.model.requests).toHaveLength(0);
    expect(await deps.store.count('console:s')).toBe(4);
  });
});

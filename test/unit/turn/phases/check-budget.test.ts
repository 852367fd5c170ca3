import { describe, expect, it } from 'vitest';
import { budgetText, checkBudget } from '../../../../src/turn/phases/check-budget.ts';
import type { UsageLedger } from '../../../../src/usage/usage-ledger.ts';
import { makeDependencies, makeTurn } from '../turn-fixtures.ts';

const NOON = Date.UTC(2026, 2, 14, 12, 0);
const spend = { promptTokens: 700, completionTokens: 300, costUsd: 0 };

async function withSpending(budgets: { perUserDaily?: number; perChannelDaily?: number }) {
  const deps = makeDependencies({ overrides: { budgets, now: () => NOON } });
  await deps.ledger.record({ scopeId: 'console:chan', userId: 'U1', at: NOON, usage: spend });
  await deps.ledger.record({ scopeId: 'console:chan', userId: 'U2', at: NOON, usage: spend });
  return deps;
}

describe('budgetText', () => {
  it('names who is over, the limit and when it resets (next UTC midnight)', () => {
    expect(budgetText('user', 50_000, NOON)).toBe(
      "You have used today's budget of 50,000 tokens, so I won't answer until it resets at 2026-03-15 00:00 UTC.",
    );
    expect(budgetText('channel', 10, NOON)).toMatch(/^This channel has used today's budget of 10 tokens/);
    // The terminal chat has no channels: its conversation is the scope.
    expect(budgetText('channel', 10, NOON, true)).toMatch(/^This conversation has used today's budget/);
  });
});

describe('checkBudget', () => {
  it('does not read the ledger without budgets', async () => {
    const ledger: UsageLedger = {
      record: async () => {},
      readByModel: async () => {
        throw new Error('ledger read without budgets');
      },
      read: async () => {
        throw new Error('ledger read without budgets');
      },
      forgetScope: async () => {},
    };
    const deps = makeDependencies({ overrides: { ledger } });
    expect(await checkBudget(deps, makeTurn())).toBeUndefined();
  });

  it("declines once the author's spending today reaches their budget", async () => {
    const deps = await withSpending({ perUserDaily: 1_000 });
    const turn = makeTurn({ scopeId: 'console:chan' });
    expect(await checkBudget(deps, turn)).toBe(budgetText('user', 1_000, NOON));
    const other = makeTurn({ scopeId: 'console:chan', author: { id: 'U3', name: 'Carol' } });
    expect(await checkBudget(deps, other)).toBeUndefined();
  });

  it("declines once the channel's spending today reaches its budget, whoever asks", async () => {
    const deps = await withSpending({ perUserDaily: 5_000, perChannelDaily: 2_000 });
    const other = makeTurn({ scopeId: 'console:chan', author: { id: 'U3', name: 'Carol' } });
    expect(await checkBudget(deps, other)).toBe(budgetText('channel', 2_000, NOON, true));
    expect(await checkBudget(deps, makeTurn({ sessionId: 'console:elsewhere' }))).toBeUndefined();
  });

  it('lets a turn through below both budgets', async () => {
    const deps = await withSpending({ perUserDaily: 1_001, perChannelDaily: 2_001 });
    expect(await checkBudget(deps, makeTurn({ scopeId: 'console:chan' }))).toBeUndefined();
  });
});

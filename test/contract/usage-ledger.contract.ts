import { describe, expect, it, vi } from 'vitest';
import type { UsageDelta, UsageTotals } from '../../src/history/history-store.ts';
import type { UsageLedger } from '../../src/usage/usage-ledger.ts';

/** Builds a fresh, empty ledger for one test, reading time from `now`, with retention if given. */
export type UsageLedgerFactory = (
  now: () => number,
  options?: { historyTtlMs?: number },
) => UsageLedger | Promise<UsageLedger>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DAY = 86_400_000;
/** 2026-11-22T00:00:00Z */
const DAY_ONE = Date.UTC(2026, 10, 22);

const zero: UsageTotals = { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 };

function usage(promptTokens: number, completionTokens: number, costUsd: number | null): UsageDelta {
  return { promptTokens, completionTokens, costUsd };
}

/** The behaviour every `UsageLedger` must have, run against each implementation. */
export function usageLedgerContract(name: string, factory: UsageLedgerFactory): void {
  describe(`UsageLedger contract: ${name}`, () => {
    const ledgerAt = (time = DAY_ONE + 12 * 3_600_000) => factory(() => time);

    it('reports zeros for a scope and user never seen', async () => {
      const ledger = await ledgerAt();
      expect(await ledger.read({ scopeId: 'slack:T:C', userId: 'U1', at: DAY_ONE })).toEqual({
        scope: { today: zero, total: zero },
        user: { today: zero, total: zero },
      });
    });

    it('adds each call to the scope and the user, today and in total', async () => {
      const ledger = await ledgerAt();
      const at = DAY_ONE + 3_600_000;
      await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at, usage: usage(100, 20, 0.0015) });
      await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at: at + 1, usage: usage(50, 5, 0.0005) });
      const expected = { promptTokens: 150, completionTokens: 25, costUsd: 0.002, calls: 2 };
      expect(await ledger.read({ scopeId: 'slack:T:C', userId: 'U1', at })).toEqual({
        scope: { today: expected, total: expected },
        user: { today: expected, total: expected },
      });
    });

    it('keeps scopes and users apart: a user across channels, a channel across users', async () => {
      const ledger = await ledgerAt();
      const at = DAY_ONE;
      await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at, usage: usage(10, 1, 0.01) });
      await ledger.record({ scopeId: 'slack:T:C2', userId: 'U1', at, usage: usage(20, 2, 0.02) });
      await ledger.record({ scopeId: 'slack:T:C', userId: 'U2', at, usage: usage(40, 4, 0.04) });
      // IDs that prefix one another, and the same ID used as both a scope and a user, never mix.
      await ledger.record({ scopeId: 'slack:T:C:1', userId: 'slack:T:C', at, usage: usage(80, 8, 0.08) });
      await ledger.record({ scopeId: 'U1', userId: 'U1:p', at, usage: usage(160, 16, 0.16) });
      const report = await ledger.read({ scopeId: 'slack:T:C', userId: 'U1', at });
      expect(report.scope.total).toEqual({ promptTokens: 50, completionTokens: 5, costUsd: 0.05, calls: 2 });
      expect(report.user.total).toEqual({ promptTokens: 30, completionTokens: 3, costUsd: 0.03, calls: 2 });
      expect((await ledger.read({ scopeId: 'slack:T:C2', userId: 'U2', at })).user.today).toEqual({
        promptTokens: 40,
        completionTokens: 4,
        costUsd: 0.04,
        calls: 1,
      });
      expect((await ledger.read({ scopeId: 'U1', userId: 'slack:T:C', at })).scope.total.promptTokens).toBe(
        160,
      );
      expect((await ledger.read({ scopeId: 'U1', userId: 'slack:T:C', at })).user.total.promptTokens).toBe(
        80,
      );
    });

    it('starts a new day at UTC midnight; totals run on', async () => {
      const ledger = await ledgerAt(DAY_ONE + 2 * DAY);
      const lastMs = DAY_ONE + DAY - 1;
      await ledger.record({ scopeId: 's', userId: 'u', at: lastMs, usage: usage(1, 1, 0.1) });
      await ledger.record({ scopeId: 's', userId: 'u', at: lastMs + 1, usage: usage(2, 2, 0.2) });
      await ledger.record({ scopeId: 's', userId: 'u', at: lastMs + 1 + DAY, usage: usage(4, 4, 0.4) });
      const on = async (at: number) => ledger.read({ scopeId: 's', userId: 'u', at });
      const dayOne = await on(DAY_ONE);
      expect(dayOne.scope.today).toEqual({ promptTokens: 1, completionTokens: 1, costUsd: 0.1, calls: 1 });
      expect(dayOne.user.today).toEqual(dayOne.scope.today);
      const dayTwo = await on(lastMs + 1);
      expect(dayTwo.scope.today).toEqual({ promptTokens: 2, completionTokens: 2, costUsd: 0.2, calls: 1 });
      expect(dayTwo.user.today).toEqual(dayTwo.scope.today);
      expect((await on(lastMs + DAY + 1)).scope.today.promptTokens).toBe(4);
      const later = await on(DAY_ONE + 10 * DAY);
      expect(later.scope.today).toEqual(zero);
      expect(later.user.today).toEqual(zero);
      expect(later.scope.total).toEqual({ promptTokens: 7, completionTokens: 7, costUsd: 0.7, calls: 3 });
      expect(later.user.total).toEqual(later.scope.total);
    });

    it('sums cost exactly; an unknown price adds no cost but counts the call', async () => {
      const ledger = await ledgerAt();
      for (const costUsd of [0.1, 0.2, null, 0.000001, 0.0000004]) {
        await ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage: usage(1000, 10, costUsd) });
      }
      const expected = {
        promptTokens: 5000,
        completionTokens: 50,
        costUsd: 0.300001,
        calls: 5,
        unpricedCalls: 1,
      };
      expect(await ledger.read({ scopeId: 's', userId: 'u', at: DAY_ONE })).toEqual({
        scope: { today: expected, total: expected },
        user: { today: expected, total: expected },
      });
    });

    it('forgetScope drops the scope on every day and in total, and keeps users and other scopes', async () => {
      const now = DAY_ONE + 5 * DAY;
      const ledger = await ledgerAt(now);
      const days = [now - 100 * DAY, now - 39 * DAY, now - DAY, now];
      for (const at of days) {
        await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at, usage: usage(10, 1, 0.01) });
        await ledger.record({ scopeId: 'slack:T:C2', userId: 'U1', at, usage: usage(20, 2, 0.02) });
        await ledger.record({ scopeId: 'slack:T:C:1', userId: 'U2', at, usage: usage(40, 4, 0.04) });
      }
      await ledger.forgetScope('slack:T:C');
      for (const at of days) {
        const report = await ledger.read({ scopeId: 'slack:T:C', userId: 'U1', at });
        expect(report.scope).toEqual({ today: zero, total: zero });
        expect(report.user.today).toEqual({ promptTokens: 30, completionTokens: 3, costUsd: 0.03, calls: 2 });
        expect(report.user.total.calls).toBe(8);
        expect((await ledger.read({ scopeId: 'slack:T:C2', userId: 'U2', at })).scope.today.calls).toBe(1);
        expect((await ledger.read({ scopeId: 'slack:T:C:1', userId: 'U2', at })).scope.today.calls).toBe(1);
      }
      // Usage after forgetting starts from zero; forgetting an unknown scope is harmless.
      await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at: now, usage: usage(1, 1, null) });
      expect((await ledger.read({ scopeId: 'slack:T:C', userId: 'U1', at: now })).scope.total).toEqual({
        promptTokens: 1,
        completionTokens: 1,
        costUsd: 0,
        calls: 1,
        unpricedCalls: 1,
      });
      await ledger.forgetScope('slack:never');
    });

    it('with retention, totals of a scope or user without usage for the period expire; usage renews them', async () => {
      // Redis expires keys on its own clock, so the period is short and real; memory follows the given clock.
      let time = DAY_ONE + 12 * 3_600_000;
      const ledger = await factory(() => time, { historyTtlMs: 2_000 });
      const pass = async (ms: number) => {
        time += ms;
        await sleep(ms);
      };
      const at = DAY_ONE + 3_600_000;
      await ledger.record({ scopeId: 'slack:T:idle', userId: 'U-idle', at, usage: usage(10, 1, 0.01) });
      await ledger.record({ scopeId: 'slack:T:busy', userId: 'U-busy', at, usage: usage(10, 1, 0.01) });
      await pass(1_200);
      await ledger.record({ scopeId: 'slack:T:busy', userId: 'U-busy', at, usage: usage(20, 2, 0.02) });
      await pass(1_200);
      await vi.waitFor(
        async () => {
          const idle = await ledger.read({ scopeId: 'slack:T:idle', userId: 'U-idle', at });
          expect(idle.scope.total).toEqual(zero);
          expect(idle.user.total).toEqual(zero);
        },
        { timeout: 5_000, interval: 50 },
      );
      const busy = await ledger.read({ scopeId: 'slack:T:busy', userId: 'U-busy', at });
      const both = { promptTokens: 30, completionTokens: 3, costUsd: 0.03, calls: 2 };
      expect(busy.scope.total).toEqual(both);
      expect(busy.user.total).toEqual(both);
      // Today's buckets outlive today whatever the retention: daily budgets still see the idle ones.
      const idleToday = await ledger.read({ scopeId: 'slack:T:idle', userId: 'U-idle', at });
      expect(idleToday.scope.today.calls).toBe(1);
      expect(idleToday.user.today.calls).toBe(1);
      // A new call starts the idle user's totals afresh.
      await ledger.record({ scopeId: 'slack:T:busy', userId: 'U-idle', at, usage: usage(1, 1, null) });
      expect((await ledger.read({ scopeId: 'slack:T:busy', userId: 'U-idle', at })).user.total).toEqual({
        promptTokens: 1,
        completionTokens: 1,
        costUsd: 0,
        calls: 1,
        unpricedCalls: 1,
      });
    });

    it('keeps totals per model for the scope and the user; unpriced calls are counted as such', async () => {
      const ledger = await ledgerAt();
      const at = DAY_ONE + 3_600_000;
      const record = (scopeId: string, userId: string, model: string | undefined, cost: number | null) =>
        ledger.record({ scopeId, userId, at, usage: usage(100, 10, cost), ...(model ? { model } : {}) });
      await record('slack:T:C', 'U1', 'gpt-4.1-mini', 0.001);
      await record('slack:T:C', 'U1', 'gpt-4.1-mini', 0.002);
      await record('slack:T:C', 'U2', 'llama3.2:3b', null);
      await record('slack:T:C2', 'U1', 'openai/gpt-4o-mini', 0.0005);
      await record('slack:T:C', 'U1', undefined, 0.1);
      const byModel = await ledger.readByModel({ scopeId: 'slack:T:C', userId: 'U1' });
      expect(byModel.scope).toEqual({
        'gpt-4.1-mini': { promptTokens: 200, completionTokens: 20, costUsd: 0.003, calls: 2 },
        'llama3.2:3b': { promptTokens: 100, completionTokens: 10, costUsd: 0, calls: 1, unpricedCalls: 1 },
      });
      expect(byModel.user).toEqual({
        'gpt-4.1-mini': { promptTokens: 200, completionTokens: 20, costUsd: 0.003, calls: 2 },
        'openai/gpt-4o-mini': { promptTokens: 100, completionTokens: 10, costUsd: 0.0005, calls: 1 },
      });
      // The overall totals count the unpriced call too, and the call recorded without a model.
      const report = await ledger.read({ scopeId: 'slack:T:C', userId: 'U2', at });
      expect(report.scope.total).toMatchObject({ calls: 4, unpricedCalls: 1 });
      expect(report.user.today).toEqual({
        promptTokens: 100,
        completionTokens: 10,
        costUsd: 0,
        calls: 1,
        unpricedCalls: 1,
      });
      await ledger.forgetScope('slack:T:C');
      const forgotten = await ledger.readByModel({ scopeId: 'slack:T:C', userId: 'U1' });
      expect(forgotten.scope).toEqual({});
      expect(Object.keys(forgotten.user)).toEqual(
        expect.arrayContaining(['gpt-4.1-mini', 'openai/gpt-4o-mini']),
      );
    });

    it('rejects malformed usage without recording anything', async () => {
      const ledger = await ledgerAt();
      const bad: UsageDelta[] = [
        usage(-1, 0, 0),
        usage(1.5, 0, 0),
        usage(1, Number.NaN, 0),
        usage(1, 1, -0.5),
        usage(1, 1, Number.POSITIVE_INFINITY),
      ];
      for (const delta of bad) {
        await expect(ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage: delta })).rejects.toThrow(
          RangeError,
        );
      }
      await expect(
        ledger.record({ scopeId: 's', userId: 'u', at: Number.NaN, usage: usage(1, 1, 0) }),
      ).rejects.toThrow(RangeError);
      expect(await ledger.read({ scopeId: 's', userId: 'u', at: DAY_ONE })).toEqual({
        scope: { today: zero, total: zero },
        user: { today: zero, total: zero },
      });
    });
  });
}

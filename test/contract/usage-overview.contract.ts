import { describe, expect, it } from 'vitest';
import { lastDays } from '../../src/admin/admin-snapshot.ts';
import type { UsageOverviewReader } from '../../src/admin/usage-overview.ts';
import type { UsageLedger } from '../../src/usage/usage-ledger.ts';

/** A fresh, empty ledger and the overview that reads it, with time fixed at `now`. */
export type UsageOverviewFactory = (now: number) => { ledger: UsageLedger; overview: UsageOverviewReader };

const DAY = 86_400_000;
/** 2026-11-22T12:00:00Z */
const NOW = Date.UTC(2026, 10, 22, 12);
const DAYS = lastDays(NOW, 30);
const page = (offset = 0, limit = 20) => ({ offset, limit });
const query = (channels = page(), users = page()) => ({ days: DAYS, channels, users });
const usage = (promptTokens: number, completionTokens: number, costUsd: number | null) => ({
  promptTokens,
  completionTokens,
  costUsd,
});

/** The read side every usage ledger offers the operator's page, run against each implementation. */
export function usageOverviewContract(name: string, factory: UsageOverviewFactory): void {
  describe(`usage overview contract: ${name}`, () => {
    it('adds each day up once per call, per channel and per user, and leaves out days before the range', async () => {
      const { ledger, overview } = factory(NOW);
      await ledger.record({ scopeId: 'slack:T:C1', userId: 'U1', at: NOW, usage: usage(100, 20, 0.001) });
      await ledger.record({
        scopeId: 'slack:T:C1',
        userId: 'U2',
        at: NOW - DAY,
        usage: usage(50, 5, 0.0005),
      });
      await ledger.record({ scopeId: 'slack:T:C2:1700.1', userId: 'U2', at: NOW, usage: usage(7, 3, null) });
      await ledger.record({ scopeId: 'slack:T:C1', userId: 'U1', at: NOW - 31 * DAY, usage: usage(9, 9, 1) });
      const result = await overview(query());

      expect(result.days).toHaveLength(30);
      expect(result.days.at(-1)).toEqual({
        promptTokens: 107,
        completionTokens: 23,
        costMicroUsd: 1_000,
        calls: 2,
      });
      expect(result.days.at(-2)).toEqual({
        promptTokens: 50,
        completionTokens: 5,
        costMicroUsd: 500,
        calls: 1,
      });
      expect(result.days.slice(0, -2).every((day) => day.calls === 0)).toBe(true);

      expect(result.channels.count).toBe(2);
      const [c1, c2] = result.channels.rows;
      expect(c1).toMatchObject({
        id: 'slack:T:C1',
        total: { promptTokens: 150, completionTokens: 25, costMicroUsd: 1_500, calls: 2 },
      });
      expect(c1?.daily).toHaveLength(30);
      expect(c1?.daily.at(-1)?.costMicroUsd).toBe(1_000);
      expect(c1?.daily.at(-2)?.costMicroUsd).toBe(500);
      // An ID with colons of its own comes back whole.
      expect(c2).toMatchObject({
        id: 'slack:T:C2:1700.1',
        total: { promptTokens: 7, costMicroUsd: 0, calls: 1 },
      });

      expect(result.users.rows.map((user) => [user.id, user.total.costMicroUsd, user.total.calls])).toEqual([
        ['U1', 1_000, 1],
        ['U2', 500, 2],
      ]);
    });

    it('ranks by cost, then tokens, then ID, and pages through the ranking', async () => {
      const { ledger, overview } = factory(NOW);
      for (let index = 0; index < 25; index++) {
        const id = `console:c${String(index).padStart(2, '0')}`;
        // Costs fall with the index; the last five have no price and rank by tokens, the last two tie.
        const cost = index < 20 ? (25 - index) / 1_000 : null;
        const tokens = index < 23 ? 100 - index : 50;
        await ledger.record({
          scopeId: id,
          userId: 'U',
          at: NOW - (index % 30) * DAY,
          usage: usage(tokens, 0, cost),
        });
      }
      const first = await overview(query(page(0, 10)));
      expect(first.channels.count).toBe(25);
      expect(first.channels.rows.map((row) => row.id)).toEqual(
        Array.from({ length: 10 }, (_, index) => `console:c${String(index).padStart(2, '0')}`),
      );
      const last = await overview(query(page(20, 10)));
      expect(last.channels.rows.map((row) => row.id)).toEqual([
        'console:c20',
        'console:c21',
        'console:c22',
        'console:c23',
        'console:c24',
      ]);
      // The day a channel's usage fell on shows in its series.
      const c21 = last.channels.rows[1]!;
      expect(c21.daily[29 - 21]?.promptTokens).toBe(79);
      expect(c21.daily.filter((day) => day.calls > 0)).toHaveLength(1);
      const beyond = await overview(query(page(40, 10)));
      expect(beyond.channels).toEqual({ count: 25, rows: [] });
      expect(beyond.users.rows).toHaveLength(1);
    });

    it('no longer shows a forgotten channel, while its users keep their usage', async () => {
      const { ledger, overview } = factory(NOW);
      await ledger.record({ scopeId: 'discord:G:1', userId: 'U1', at: NOW, usage: usage(10, 1, 0.01) });
      await ledger.record({
        scopeId: 'discord:G:2',
        userId: 'U1',
        at: NOW - 3 * DAY,
        usage: usage(10, 1, 0.01),
      });
      await ledger.forgetScope('discord:G:1');
      const result = await overview(query());
      expect(result.channels.rows.map((row) => row.id)).toEqual(['discord:G:2']);
      expect(result.users.rows[0]?.total.calls).toBe(2);
      expect(result.days.at(-1)?.calls).toBe(0);
    });
  });
}

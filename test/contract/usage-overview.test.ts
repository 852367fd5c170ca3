import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lastDays } from '../../src/admin/admin-snapshot.ts';
import { createRedisUsageOverview } from '../../src/admin/redis-usage-overview.ts';
import { createMemoryUsageOverview } from '../../src/admin/usage-overview.ts';
import { createMemoryUsageLedger } from '../../src/usage/memory-usage-ledger.ts';
import { createRedisUsageLedger } from '../../src/usage/redis-usage-ledger.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { usageOverviewContract } from './usage-overview.contract.ts';

usageOverviewContract('memory', (now) => {
  const ledger = createMemoryUsageLedger({ now: () => now });
  return { ledger, overview: createMemoryUsageOverview((day) => ledger.dayCounters(day)) };
});

const redis = useTestRedis();

usageOverviewContract('redis', (now) => {
  const prefix = `overview-${randomUUID()}`;
  return {
    ledger: createRedisUsageLedger({ redis: redis.client, prefix, now: () => now }),
    overview: createRedisUsageOverview({ redis: redis.client, prefix }),
  };
});

describe('Redis usage overview', () => {
  it('ignores day-hash fields that are not channel or user counters', async () => {
    const prefix = `overview-${randomUUID()}`;
    const now = Date.UTC(2026, 10, 22, 12);
    const ledger = createRedisUsageLedger({ redis: redis.client, prefix, now: () => now });
    await ledger.record({
      scopeId: 'console:a',
      userId: 'U',
      at: now,
      usage: { promptTokens: 4, completionTokens: 1, costUsd: null },
    });
    const dayKey = `${prefix}:{usage}:day:2026-11-22`;
    await redis.client.hset(dayKey, 'x:gpt-4o:p', '1000', 's:broken', '7', 's:console:a:q', '5');
    const result = await createRedisUsageOverview({ redis: redis.client, prefix })({
      days: lastDays(now, 30),
      channels: { offset: 0, limit: 5 },
      users: { offset: 0, limit: 5 },
    });
    expect(result.days.at(-1)).toEqual({ promptTokens: 4, completionTokens: 1, costMicroUsd: 0, calls: 1 });
    expect(result.channels.rows.map((row) => row.id)).toEqual(['console:a']);
  });
});

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryUsageLedger } from '../../src/usage/memory-usage-ledger.ts';
import { createRedisUsageLedger } from '../../src/usage/redis-usage-ledger.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { usageLedgerContract } from './usage-ledger.contract.ts';

const DAY = 86_400_000;
const DAY_ONE = Date.UTC(2026, 10, 22);
const usage = { promptTokens: 10, completionTokens: 2, costUsd: 0.01 };

usageLedgerContract('memory', (now, options) => createMemoryUsageLedger({ now, ...options }));

const redis = useTestRedis();

usageLedgerContract('redis', (now, options) =>
  createRedisUsageLedger({ redis: redis.client, prefix: `test-${randomUUID()}`, now, ...options }),
);

describe('memory usage ledger', () => {
  it('drops a day 40 days after its last write, keeping the totals', async () => {
    let time = DAY_ONE;
    const ledger = createMemoryUsageLedger({ now: () => time });
    await ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage });
    time += 39 * DAY;
    expect((await ledger.read({ scopeId: 's', userId: 'u', at: DAY_ONE })).scope.today.calls).toBe(1);
    time += DAY;
    const report = await ledger.read({ scopeId: 's', userId: 'u', at: DAY_ONE });
    expect(report.scope.today.calls).toBe(0);
    expect(report.user.today.calls).toBe(0);
    expect(report.scope.total.calls).toBe(1);
  });
});

describe('Redis usage ledger', () => {
  it('keeps one hash per UTC day (expiring after 40 days) and a total hash per owner, under the {usage} tag', async () => {
    const prefix = `it-${randomUUID()}`;
    const ledger = createRedisUsageLedger({ redis: redis.client, prefix });
    await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at: DAY_ONE + 5, usage });
    await ledger.record({
      scopeId: 'slack:T:C',
      userId: 'U1',
      at: DAY_ONE + DAY,
      usage: { ...usage, costUsd: null },
    });
    const keys = (await redis.client.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual(
      [
        `${prefix}:{usage}:day:2026-11-22`,
        `${prefix}:{usage}:day:2026-11-23`,
        `${prefix}:{usage}:days`,
        `${prefix}:{usage}:total:s:slack:T:C`,
        `${prefix}:{usage}:total:u:U1`,
      ].sort(),
    );
    expect(await redis.client.hgetall(`${prefix}:{usage}:day:2026-11-22`)).toEqual({
      's:slack:T:C:p': '10',
      's:slack:T:C:c': '2',
      's:slack:T:C:m': '10000',
      's:slack:T:C:n': '1',
      'u:U1:p': '10',
      'u:U1:c': '2',
      'u:U1:m': '10000',
      'u:U1:n': '1',
    });
    // `u` counts the call without a known price.
    expect(await redis.client.hgetall(`${prefix}:{usage}:total:s:slack:T:C`)).toEqual({
      p: '20',
      c: '4',
      m: '10000',
      n: '2',
      u: '1',
    });
    const ttl = await redis.client.ttl(`${prefix}:{usage}:day:2026-11-22`);
    expect(ttl).toBeGreaterThan(39 * 86_400);
    expect(ttl).toBeLessThanOrEqual(40 * 86_400);
    // Without retention totals are kept for good.
    expect(await redis.client.ttl(`${prefix}:{usage}:total:s:slack:T:C`)).toBe(-1);
    expect(await redis.client.ttl(`${prefix}:{usage}:total:u:U1`)).toBe(-1);
  });

  it('with retention, totals and days expire after the period (days after two at least)', async () => {
    const prefix = `it-${randomUUID()}`;
    const week = createRedisUsageLedger({ redis: redis.client, prefix, historyTtlDays: 7 });
    await week.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage });
    for (const key of ['total:s:s', 'total:u:u', 'day:2026-11-22']) {
      expect(await redis.client.ttl(`${prefix}:{usage}:${key}`), key).toBeGreaterThan(7 * 86_400 - 10);
      expect(await redis.client.ttl(`${prefix}:{usage}:${key}`), key).toBeLessThanOrEqual(7 * 86_400);
    }
    const hour = createRedisUsageLedger({ redis: redis.client, prefix, historyTtlMs: 3_600_000 });
    await hour.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage });
    expect(await redis.client.ttl(`${prefix}:{usage}:total:u:u`)).toBeLessThanOrEqual(3_600);
    expect(await redis.client.ttl(`${prefix}:{usage}:day:2026-11-22`)).toBeGreaterThan(2 * 86_400 - 10);
  });

  it('moves totals of the former shared hash into per-owner keys on their next usage, reading both till then', async () => {
    const prefix = `it-${randomUUID()}`;
    const former = `${prefix}:{usage}:total`;
    const counters = (owner: string, p: number, n: number) => ({
      [`${owner}:p`]: String(p),
      [`${owner}:c`]: '1',
      [`${owner}:m`]: '500',
      [`${owner}:n`]: String(n),
    });
    await redis.client.hset(former, {
      ...counters('s:slack:T:C', 100, 3),
      ...counters('u:U1', 40, 2),
      ...counters('u:U2', 7, 1),
      ...counters('s:slack:T:gone', 9, 1),
    });
    const ledger = createRedisUsageLedger({ redis: redis.client, prefix, historyTtlMs: 60_000 });
    const read = () => ledger.read({ scopeId: 'slack:T:C', userId: 'U1', at: DAY_ONE });
    expect((await read()).scope.total).toEqual({
      promptTokens: 100,
      completionTokens: 1,
      costUsd: 0.0005,
      calls: 3,
    });
    await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at: DAY_ONE, usage });
    const report = await read();
    expect(report.scope.total).toEqual({ promptTokens: 110, completionTokens: 3, costUsd: 0.0105, calls: 4 });
    expect(report.user.total).toEqual({ promptTokens: 50, completionTokens: 3, costUsd: 0.0105, calls: 3 });
    // Only owners not heard from since stay behind; under retention they go with the hash after the period.
    expect(await redis.client.hgetall(former)).toEqual({
      ...counters('u:U2', 7, 1),
      ...counters('s:slack:T:gone', 9, 1),
    });
    expect(await redis.client.pttl(former)).toBeGreaterThan(0);
    expect(await redis.client.pttl(former)).toBeLessThanOrEqual(60_000);
    expect((await ledger.read({ scopeId: 's', userId: 'U2', at: DAY_ONE })).user.total.calls).toBe(1);
    // Forgetting a scope clears it from the former hash too.
    await ledger.forgetScope('slack:T:gone');
    expect(await redis.client.hgetall(former)).toEqual(counters('u:U2', 7, 1));
  });

  it('forgetScope forgets days that can no longer exist from its list, and only those', async () => {
    let time = DAY_ONE;
    const prefix = `it-${randomUUID()}`;
    const ledger = createRedisUsageLedger({ redis: redis.client, prefix, now: () => time });
    await ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage });
    time += 10 * DAY;
    await ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE - 300 * DAY, usage });
    time += 35 * DAY;
    await ledger.forgetScope('s');
    // Last written 45 days ago: its hash has expired, so the list no longer names it.
    expect(await redis.client.zrange(`${prefix}:{usage}:days`, 0, -1)).toEqual(['2026-01-26']);
    expect(await redis.client.hgetall(`${prefix}:{usage}:day:2026-01-26`)).toEqual({
      'u:u:p': '10',
      'u:u:c': '2',
      'u:u:m': '10000',
      'u:u:n': '1',
    });
  });
});

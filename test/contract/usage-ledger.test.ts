import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryUsageLedger } from '../../src/usage/memory-usage-ledger.ts';
import { createRedisUsageLedger } from '../../src/usage/redis-usage-ledger.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { usageLedgerContract } from './usage-ledger.contract.ts';

const DAY = 86_400_000;
const DAY_ONE = Date.UTC(2026, 10, 22);
const usage = { promptTokens: 10, completionTokens: 2, costUsd: 0.01 };

usageLedgerContract('memory', (now) => createMemoryUsageLedger({ now }));

let server: TestRedis;
let client: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  client = server.client();
});

afterAll(async () => {
  await client?.quit();
  await server?.close();
});

usageLedgerContract('redis', (now) =>
  createRedisUsageLedger({ redis: client, prefix: `test-${randomUUID()}`, now }),
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
  it('keeps one hash per UTC day (expiring after 40 days) and one total hash, under the {usage} tag', async () => {
    const prefix = `it-${randomUUID()}`;
    const ledger = createRedisUsageLedger({ redis: client, prefix });
    await ledger.record({ scopeId: 'slack:T:C', userId: 'U1', at: DAY_ONE + 5, usage });
    await ledger.record({
      scopeId: 'slack:T:C',
      userId: 'U1',
      at: DAY_ONE + DAY,
      usage: { ...usage, costUsd: null },
    });
    const keys = (await client.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual(
      [
        `${prefix}:{usage}:day:2026-11-22`,
        `${prefix}:{usage}:day:2026-11-23`,
        `${prefix}:{usage}:days`,
        `${prefix}:{usage}:total`,
      ].sort(),
    );
    expect(await client.hgetall(`${prefix}:{usage}:day:2026-11-22`)).toEqual({
      's:slack:T:C:p': '10',
      's:slack:T:C:c': '2',
      's:slack:T:C:m': '10000',
      's:slack:T:C:n': '1',
      'u:U1:p': '10',
      'u:U1:c': '2',
      'u:U1:m': '10000',
      'u:U1:n': '1',
    });
    expect(await client.hgetall(`${prefix}:{usage}:total`)).toMatchObject({
      's:slack:T:C:m': '10000',
      'u:U1:n': '2',
    });
    const ttl = await client.ttl(`${prefix}:{usage}:day:2026-11-22`);
    expect(ttl).toBeGreaterThan(39 * 86_400);
    expect(ttl).toBeLessThanOrEqual(40 * 86_400);
    expect(await client.ttl(`${prefix}:{usage}:total`)).toBe(-1);
  });

  it('forgetScope forgets days that can no longer exist from its list, and only those', async () => {
    let time = DAY_ONE;
    const prefix = `it-${randomUUID()}`;
    const ledger = createRedisUsageLedger({ redis: client, prefix, now: () => time });
    await ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE, usage });
    time += 10 * DAY;
    await ledger.record({ scopeId: 's', userId: 'u', at: DAY_ONE - 300 * DAY, usage });
    time += 35 * DAY;
    await ledger.forgetScope('s');
    // Last written 45 days ago: its hash has expired, so the list no longer names it.
    expect(await client.zrange(`${prefix}:{usage}:days`, 0, -1)).toEqual(['2026-01-26']);
    expect(await client.hgetall(`${prefix}:{usage}:day:2026-01-26`)).toEqual({
      'u:u:p': '10',
      'u:u:c': '2',
      'u:u:m': '10000',
      'u:u:n': '1',
    });
  });
});

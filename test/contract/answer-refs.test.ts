import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ANSWER_REF_TTL_MS, answerRefTtlMs, createLateAnswerRefs } from '../../src/usage/answer-refs.ts';
import { createMemoryAnswerRefs } from '../../src/usage/memory-answer-refs.ts';
import { createRedisAnswerRefs } from '../../src/usage/redis-answer-refs.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { answerRefsContract } from './answer-refs.contract.ts';

const answer = { sessionId: 'discord:dm:D1', scopeId: 'discord:dm:D1', model: 'gpt-4o-mini' };

describe('memory answer refs', () => {
  let clock = 0;
  answerRefsContract(
    async (ttlMs) => createMemoryAnswerRefs({ ttlMs, now: () => clock }),
    async (ms) => {
      clock += ms;
    },
  );

  it('drops the oldest entries past its bound', async () => {
    const refs = createMemoryAnswerRefs({ maxEntries: 2 });
    await refs.remember('1', answer);
    await refs.remember('2', answer);
    await refs.remember('3', answer);
    expect(await refs.find('1')).toBeUndefined();
    expect(await refs.find('3')).toEqual(answer);
  });
});

describe('Redis answer refs (a spawned redis-server)', () => {
  const redis = useTestRedis();
  answerRefsContract(
    async (ttlMs) => createRedisAnswerRefs({ redis: redis.client, prefix: `refs-${randomUUID()}`, ttlMs }),
    (ms) => sleep(ms),
  );

  it('keeps each entry under its own key, expiring after the TTL (90 days by default)', async () => {
    const prefix = `refs-${randomUUID()}`;
    await createRedisAnswerRefs({ redis: redis.client, prefix }).remember('4001', answer);
    const ttl = await redis.client.pttl(`${prefix}:answer:4001`);
    expect(ttl).toBeGreaterThan(ANSWER_REF_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(ANSWER_REF_TTL_MS);
  });

  it('reads a value it did not write as no answer', async () => {
    const prefix = `refs-${randomUUID()}`;
    await redis.client.set(`${prefix}:answer:5001`, 'not json');
    await redis.client.set(`${prefix}:answer:5002`, '{"sessionId":1}');
    const refs = createRedisAnswerRefs({ redis: redis.client, prefix });
    expect(await refs.find('5001')).toBeUndefined();
    expect(await refs.find('5002')).toBeUndefined();
  });
});

describe('answer ref retention and late wiring', () => {
  it('follows a shorter history retention, and caps none or a longer one at 90 days', () => {
    expect(answerRefTtlMs(0)).toBe(ANSWER_REF_TTL_MS);
    expect(answerRefTtlMs(7 * 86_400_000)).toBe(7 * 86_400_000);
    expect(answerRefTtlMs(365 * 86_400_000)).toBe(ANSWER_REF_TTL_MS);
  });

  it('forwards to the store it is given, and fails before', async () => {
    const late = createLateAnswerRefs();
    await expect(late.refs.find('1')).rejects.toThrow(/not set up/);
    const store = createMemoryAnswerRefs();
    late.use(store);
    await late.refs.remember('1', answer);
    expect(await store.find('1')).toEqual(answer);
  });
});

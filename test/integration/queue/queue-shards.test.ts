/**
 * QUEUE_SHARDS: the wake-up queue split over hash slots. On a real three-master Cluster the shards land on different
 * masters and all of them carry work; a changed shard count is refused while a drain of the old layout runs, and
 * accepted once none does, with the sessions left pending in an old shard drained all the same.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/app/errors.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import { createBullTurnQueue } from '../../../src/queue/bullmq/bullmq-turn-queue.ts';
import { drainQueuePrefix, pendingSessionsKey, shardOf } from '../../../src/queue/bullmq/mailbox-keys.ts';
import type { TurnProcessor } from '../../../src/queue/turn-queue.ts';
import { makeTurn } from '../../contract/turn-queue.contract.ts';
import { startTestRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const single = useTestRedis();

function queueOn(redis: Redis | ReturnType<TestRedisCluster['client']>, prefix: string, shards: number) {
  return createBullTurnQueue({
    redis,
    prefix,
    shards,
    concurrency: 6,
    maxAttempts: 3,
    committedSeq: async () => 0,
    sweepIntervalMs: 200,
    logger: silentLogger,
  });
}

describe('shardOf', () => {
  it('spreads sessions over every shard, the same way every time', () => {
    const counts = [0, 0, 0];
    for (let index = 0; index < 3_000; index++) {
      const shard = shardOf(`slack:T1:C${index}`, 3);
      expect(shardOf(`slack:T1:C${index}`, 3)).toBe(shard);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(shardOf('slack:T1:C1', 1)).toBe(0);
  });
});

describe('queue shards on a three-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  beforeAll(async () => {
    cluster = await startTestRedisCluster({ masters: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('puts the shards on different masters, and every shard drains its sessions', async () => {
    const client = cluster.client();
    const prefix = `shards-${randomUUID()}`;
    const queue = queueOn(client, prefix, 3);
    const processed: string[] = [];
    await queue.process(async (job) => {
      processed.push(job.turn.sessionId);
    });
    const sessions = Array.from({ length: 30 }, (_, index) => `console:c${index}`);
    await Promise.all(sessions.map((sessionId) => queue.enqueue(makeTurn(sessionId, 'e1'))));
    await waitFor('every turn to be processed', () => processed.length === sessions.length);
    // Each shard's BullMQ queue handed out job ids: all three carried wake-ups.
    for (let shard = 0; shard < 3; shard++)
      expect(Number(await client.get(`${drainQueuePrefix(prefix, shard, 3)}:turns:id`))).toBeGreaterThan(0);
    const masters = new Set<string>();
    for (let shard = 0; shard < 3; shard++) {
      const node = client.nodes('master').find((candidate) => candidate.options.port !== undefined);
      const slot = Number(await node?.cluster('KEYSLOT', pendingSessionsKey(prefix, shard, 3)));
      const ranges = (await node?.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
      const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
      masters.add(String(owner?.[2][1]));
    }
    expect(masters.size).toBe(3);
    await queue.close();
    await client.quit();
  });
});

describe('a changed QUEUE_SHARDS', () => {
  it('is refused, naming the setting, while a worker of the old layout is draining', async () => {
    const prefix = `reshard-busy-${randomUUID()}`;
    const oldConnection = new Redis(single.server.url, { maxRetriesPerRequest: null });
    const newConnection = new Redis(single.server.url, { maxRetriesPerRequest: null });
    const old = queueOn(oldConnection, prefix, 1);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const holding: TurnProcessor = async () => {
      started = true;
      await held;
    };
    await old.process(holding);
    await old.enqueue(makeTurn('console:busy', 'e1'));
    await waitFor('the old layout to be draining', () => started);
    const resharded = queueOn(newConnection, prefix, 3);
    const refusal = await resharded.process(async () => {}).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).variable).toBe('QUEUE_SHARDS');
    expect((refusal as Error).message).toContain('laid out for 1 shard');
    release();
    await old.close();
    await resharded.close();
    await oldConnection.quit();
    await newConnection.quit();
  });

  it('is accepted once nothing drains, and sessions pending in a shard no longer used are still answered', async () => {
    const prefix = `reshard-idle-${randomUUID()}`;
    const connection = new Redis(single.server.url, { maxRetriesPerRequest: null });
    // Three shards, no worker: turns wait, each session pending in its own shard.
    const wide = queueOn(connection, prefix, 3);
    await wide.process(async () => {
      throw new Error('never runs: closed at once');
    });
    await wide.close();
    const sessions = Array.from({ length: 12 }, (_, index) => `console:left${index}`);
    const enqueueOnly = queueOn(connection, prefix, 3);
    await Promise.all(sessions.map((sessionId) => enqueueOnly.enqueue(makeTurn(sessionId, 'e1'))));
    await enqueueOnly.close();
    expect(sessions.some((sessionId) => shardOf(sessionId, 3) === 2)).toBe(true);
    // Now one shard: the wake-ups sit in queues nobody drains, yet the sweeper finds the sessions.
    const narrow = queueOn(connection, prefix, 1);
    const processed: string[] = [];
    await narrow.process(async (job) => {
      processed.push(job.turn.sessionId);
    });
    await waitFor('every waiting turn to be processed', () => processed.length === sessions.length);
    expect(processed.sort()).toEqual([...sessions].sort());
    expect(await narrow.pendingCount()).toBe(0);
    await narrow.close();
    await connection.quit();
  });
});

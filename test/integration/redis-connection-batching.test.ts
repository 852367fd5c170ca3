/**
 * The shared connection batches what turns of different sessions send in the same tick into one socket write
 * (ioredis auto-pipelining), and keeps blocking commands out of those batches.
 */
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { connectRedis } from '../../src/app/redis-connection.ts';
import { createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';

const redis = useTestRedis();

/** Counts the writes to the connection's socket from now on. */
function countWrites(connection: Redis): { writes: number } {
  const counter = { writes: 0 };
  const stream = (connection as unknown as { stream: NodeJS.WritableStream }).stream;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]) => {
    counter.writes++;
    return write(...args);
  }) as NodeJS.WritableStream['write'];
  return counter;
}

describe('the shared Redis connection', () => {
  let connection: Redis | undefined;
  afterEach(async () => {
    await connection?.quit();
    connection = undefined;
  });

  it('sends the commands of one tick in one write, each getting its own reply, in order', async () => {
    connection = connectRedis(redis.server.url, silentLogger) as Redis;
    await connection.ping();
    const counter = countWrites(connection);
    const replies = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => connection?.set(`batch:${i}`, String(i))),
      ...Array.from({ length: 20 }, (_, i) => connection?.get(`batch:${i}`)),
    ]);
    expect(replies.slice(20)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(counter.writes).toBe(1);
  });

  it('keeps a blocking command out of the batch: it runs alone, on the connection it was sent on', async () => {
    connection = connectRedis(redis.server.url, silentLogger) as Redis;
    await connection.ping();
    const counter = countWrites(connection);
    const [popped, value] = await Promise.all([
      connection.bzpopmin('batch:empty-zset', 0.1),
      connection.get('batch:0'),
    ]);
    expect(popped).toBeNull();
    expect(value).toBe('0');
    // The blocking command went out by itself; the GET in a batch of its own.
    expect(counter.writes).toBe(2);
  });
});

describe("BullMQ's connection", () => {
  /** Names of the connections open on the suite's Redis. */
  const connectionNames = async () => {
    const list = String(await redis.client.call('CLIENT', 'LIST'));
    return [...list.matchAll(/ name=(\S*)/g)].map((match) => match[1]);
  };

  it("is its own: the shared connection carries none of BullMQ's scripts, and the queue closes what it opened", async () => {
    const shared = connectRedis(redis.server.url, silentLogger) as Redis;
    const queue = createBullTurnQueue({
      redis: shared,
      prefix: 'own-connection',
      concurrency: 2,
      maxAttempts: 2,
      committedSeq: async () => committed,
      logger: silentLogger,
    });
    let committed = 0;
    const answered: string[] = [];
    await queue.process(async (job) => {
      answered.push(job.turn.id);
      committed = job.seq;
    });
    await queue.enqueue({
      id: 'own-connection-1',
      sessionId: 'console:own-connection',
      kind: 'message',
      messageRef: 'own-connection-1',
      author: { id: 'U1', name: 'Alice' },
      text: 'hello',
      target: { platform: 'console', channelId: 'c' },
      receivedAt: Date.now(),
    });
    await vi.waitFor(() => expect(answered).toEqual(['own-connection-1']));
    // BullMQ's scripts (addStandardJob, moveToActive, …) live on the queue's connection; ours keep theirs.
    const scripts = Object.keys((shared as unknown as { scriptsSet: Record<string, unknown> }).scriptsSet);
    expect(scripts.filter((name) => /job|moveTo|extendLock/i.test(name))).toEqual([]);
    expect(await connectionNames()).toContain('parley-queue');

    await queue.close({ timeoutMs: 5_000 });
    await vi.waitFor(async () => expect(await connectionNames()).not.toContain('parley-queue'));
    // The shared connection is the caller's: still open and working.
    expect(await shared.ping()).toBe('PONG');
    await shared.quit();
  });
});

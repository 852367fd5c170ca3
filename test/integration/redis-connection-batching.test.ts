/**
 * The shared connection batches what turns of different sessions send in the same tick into one socket write
 * (ioredis auto-pipelining), and keeps blocking commands out of those batches.
 */
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { connectRedis } from '../../src/app/redis-connection.ts';
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

import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { ConfigError } from '../../app/errors.ts';
import { DRAIN_QUEUE_NAME } from './drain-queue.ts';
import { drainQueuePrefix, shardCountKey } from './mailbox-keys.ts';

/**
 * Checks `QUEUE_SHARDS` against the layout Redis holds and records it; returns the shard count the keys were laid
 * out for before (the same as `shards` when nothing changed), so the sweeper can also look at shards no longer
 * used. A changed count moves some sessions to another shard: with a drain of the old layout still running, a
 * session could be drained from two shards at once, out of order. That is refused, naming the setting.
 */
export async function checkShardLayout(
  redis: Redis | Cluster,
  prefix: string,
  shards: number,
): Promise<number> {
  const key = shardCountKey(prefix);
  const stored = await redis.get(key);
  // A queue from before shards existed had one.
  const previous = stored === null ? 1 : Number(stored);
  if (previous !== shards && (await activeDrains(redis, prefix, previous)) > 0) {
    throw new ConfigError(
      `QUEUE_SHARDS is ${shards}, but the queue in Redis is laid out for ${previous} shard(s) and a worker of ` +
        'that layout is still draining sessions. Stop every Parley process, then start them all with the same ' +
        'QUEUE_SHARDS.',
      'QUEUE_SHARDS',
    );
  }
  if (stored !== String(shards)) await redis.set(key, String(shards));
  return previous;
}

/** Drain jobs running in the shards of a layout. */
async function activeDrains(redis: Redis | Cluster, prefix: string, shards: number): Promise<number> {
  let active = 0;
  for (let shard = 0; shard < shards; shard++) {
    const queue = new Queue(DRAIN_QUEUE_NAME, {
      connection: redis,
      prefix: drainQueuePrefix(prefix, shard, shards),
    });
    try {
      active += (await queue.getJobCounts('active')).active ?? 0;
    } finally {
      await queue.close();
    }
  }
  return active;
}

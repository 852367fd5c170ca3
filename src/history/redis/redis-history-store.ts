import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { type Logger, silentLogger } from '../../app/logger.ts';
import { imageLimit, retentionMs } from '../history-arguments.ts';
import type { HistoryStore } from '../history-store.ts';
import { defineHistoryScripts } from './history-scripts.ts';
import { createRedisFollowUps } from './redis-follow-ups.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';
import { createRedisHistoryIndex } from './redis-history-index.ts';
import { createRedisHistoryReads } from './redis-history-reads.ts';
import { createRedisHistoryWrites } from './redis-history-writes.ts';
import { createRedisImages } from './redis-images.ts';
import { createRedisIndexedWrites } from './redis-indexed-writes.ts';
import { createRedisScopeForgetting } from './redis-scope-forgetting.ts';
import { createStoredMessageParser } from './stored-message-codec.ts';

/** Options shared by both ways of giving the store a connection. */
interface RedisHistoryStoreCommonOptions {
  /** Key prefix (see history-keys.ts); default `parley`. */
  prefix?: string;
  /** Receives warnings about corrupt entries and connection errors. */
  logger?: Logger;
  /** Retention: a session idle (no write) this many days expires; absent keeps sessions forever. */
  historyTtlDays?: number;
  /** Retention in ms, overriding `historyTtlDays` (lets tests watch Redis expire a session). */
  historyTtlMs?: number;
  /** Current time, ms since epoch (`lastActiveAt`, listing cut-off); default `Date.now`. */
  now?: () => number;
  /** `putImage` refuses images larger than this many bytes; default 20 MiB (`config.files.maxImageBytes`). */
  maxImageBytes?: number;
}

/** Options of `createRedisHistoryStore`: an existing client (shared by default) or a URL to connect to. */
export type RedisHistoryStoreOptions = RedisHistoryStoreCommonOptions &
  (
    | {
        /** An existing client; the store does not quit it on `close()` unless `ownsConnection` is true. */
        redis: Redis | Cluster;
        /** Whether `close()` should quit `redis`; default false (the composition root shares one connection). */
        ownsConnection?: boolean;
      }
    | {
        /** `redis://…` URL; the store creates its own client and quits it on `close()`. */
        url: string;
        /** Extra ioredis options for the client created from `url` (timeouts, retry strategy, name). */
        redisOptions?: RedisOptions;
      }
  );

/**
 * History on Redis: per session a `history` list of JSON messages (oldest first), a `meta` hash and the kept
 * images (see redis-images.ts), all under the session's hash tag, plus an index of sessions (see redis-history-index.ts). With retention,
 * every write restarts the session's TTL, so Redis itself deletes idle sessions. Redis errors propagate to
 * the caller (the queue decides to retry).
 */
export function createRedisHistoryStore(options: RedisHistoryStoreOptions): HistoryStore {
  const prefix = options.prefix ?? 'parley';
  // Checked before connecting, so a bad option leaves no connection behind.
  const ttlMs = retentionMs(options);
  const maxImageBytes = imageLimit(options);
  const now = options.now ?? Date.now;
  const logger = (options.logger ?? silentLogger).child({ component: 'redis-history-store' });
  const { redis, ownsConnection } = connection(options, logger);
  const context: RedisHistoryContext = {
    redis,
    prefix,
    ttlMs,
    now,
    logger,
    scripts: defineHistoryScripts(redis),
    sessionIndex: createRedisHistoryIndex({ redis, prefix, ttlMs, now }),
    parser: createStoredMessageParser(logger),
  };
  let closing: Promise<void> | undefined;

  const indexedWrites = createRedisIndexedWrites(context);
  return {
    ...createRedisHistoryReads(context),
    ...createRedisHistoryWrites(context),
    ...indexedWrites,
    ...createRedisScopeForgetting(context, indexedWrites.forget),
    ...createRedisFollowUps(context),
    ...createRedisImages(context, maxImageBytes),

    async close(): Promise<void> {
      if (!ownsConnection) return;
      // Idempotent: a second close waits for the first instead of sending QUIT on a closing connection.
      closing ??= redis.status === 'end' ? Promise.resolve() : redis.quit().then(() => undefined);
      await closing;
    },
  };
}

/** The client given, or a new one from the URL (which the store then owns and quits on `close()`). */
function connection(
  options: RedisHistoryStoreOptions,
  logger: Logger,
): { redis: Redis | Cluster; ownsConnection: boolean } {
  if ('redis' in options) return { redis: options.redis, ownsConnection: options.ownsConnection ?? false };
  const redis = new Redis(options.url, options.redisOptions ?? {});
  // Without a listener ioredis prints every reconnect failure itself; the failing command still rejects.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  return { redis, ownsConnection: true };
}

import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../src/app/logger.ts';
import { type AssistantThreadContext, type AssistantThreads, threadOf } from './assistant-threads.ts';

/** How long a thread's state is kept after its last change: Slack keeps assistant threads open for weeks. */
export const ASSISTANT_THREAD_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Options of `createRedisAssistantThreads`. */
export interface RedisAssistantThreadsOptions {
  /** Connection (shared; never quit here). */
  redis: Redis | Cluster;
  /** Key prefix; default `parley`. */
  prefix?: string;
  /** Seconds a thread is kept after its last change (default `ASSISTANT_THREAD_TTL_SECONDS`). */
  ttlSeconds?: number;
  /** Logger. */
  logger: Logger;
}

// Read once, when the module loads; ioredis sends it by EVALSHA, falling back to EVAL once per server.
const noteViewedChannelScript = readFileSync(new URL('./note-viewed-channel-1.lua', import.meta.url), 'utf8');

type NoteViewedChannel = (key: string, viewed: string, ttlSeconds: number) => Promise<number>;

/**
 * Assistant threads on Redis, so every ingress process behind a load balancer (and one restarted) sees the same
 * state: a hash per thread, `<prefix>:slack:assistant:<channel>:<thread_ts>` (`context` as JSON, `titled`,
 * `told`), kept `ttlSeconds` after its last change. The title is claimed with `HSETNX` and the viewed channel
 * swapped by `note-viewed-channel-1.lua`, so two processes never both title a thread or both tell the same
 * channel. A Redis failure is logged and treated as "nothing known": the answer never waits on it.
 */
export function createRedisAssistantThreads(options: RedisAssistantThreadsOptions): AssistantThreads {
  const { redis, logger } = options;
  const prefix = options.prefix ?? 'parley';
  const ttl = options.ttlSeconds ?? ASSISTANT_THREAD_TTL_SECONDS;
  const keyOf = (channelId: string, threadTs: string) => `${prefix}:slack:assistant:${channelId}:${threadTs}`;
  redis.defineCommand('parleyNoteViewedChannel', { numberOfKeys: 1, lua: noteViewedChannelScript });
  const noteViewed = (redis as unknown as Record<string, NoteViewedChannel>).parleyNoteViewedChannel!.bind(
    redis,
  );
  const failed = (what: string, threadTs: string) => (error: unknown) => {
    logger.warn({ err: error, thread: threadTs }, `could not ${what} of an assistant thread on Redis`);
  };

  return {
    async claimTitle(channelId, threadTs) {
      const key = keyOf(channelId, threadTs);
      try {
        const [[, claimed] = []] =
          (await redis.multi().hsetnx(key, 'titled', '1').expire(key, ttl).exec()) ?? [];
        return claimed === 1;
      } catch (error) {
        // Unsure whether another process titled it: a missing title is better than a second one.
        failed('claim the title', threadTs)(error);
        return false;
      }
    },
    async noteViewedChannel(channelId, threadTs, viewed) {
      return (
        (await noteViewed(keyOf(channelId, threadTs), viewed, ttl).catch((error: unknown) => {
          failed('record the viewed channel', threadTs)(error);
          return 0;
        })) === 1
      );
    },
    contextStore: {
      async get({ payload }) {
        const { channelId, threadTs, context } = threadOf(payload);
        if (context.channel_id) return context;
        const stored = await redis.hget(keyOf(channelId, threadTs), 'context').catch((error: unknown) => {
          failed('read the context', threadTs)(error);
          return null;
        });
        return parseContext(stored);
      },
      async save({ payload }) {
        const { channelId, threadTs, context } = threadOf(payload);
        const key = keyOf(channelId, threadTs);
        await redis
          .multi()
          .hset(key, 'context', JSON.stringify(context))
          .expire(key, ttl)
          .exec()
          .catch((error: unknown) => failed('save the context', threadTs)(error));
      },
    },
  };
}

/** A stored context, or an empty one when there is none (or it cannot be read). */
function parseContext(stored: string | null): AssistantThreadContext {
  if (typeof stored !== 'string') return {};
  try {
    const parsed = JSON.parse(stored) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as AssistantThreadContext) : {};
  } catch {
    return {};
  }
}

import { Redis, type RedisOptions } from 'ioredis';
import type {
  HistoryStore,
  LoadOptions,
  SessionMeta,
  StoredMessage,
  TurnCommit,
  UsageDelta,
} from './history-store.ts';
import { type Logger, silentLogger } from './logger.ts';
import { type CommitTurnArguments, defineCommitTurnScript } from './redis-history-scripts.ts';
import { sessionKeys } from './redis-keys.ts';

/** Options shared by both ways of giving the store a connection. */
interface RedisHistoryStoreCommonOptions {
  /** Key prefix (see redis-keys.ts); default `parley`. */
  prefix?: string;
  /** Receives warnings about corrupt entries and connection errors. */
  logger?: Logger;
}

/** Options of `createRedisHistoryStore`: an existing client (shared by default) or a URL to connect to. */
export type RedisHistoryStoreOptions = RedisHistoryStoreCommonOptions &
  (
    | {
        /** An existing client; the store does not quit it on `close()` unless `ownsConnection` is true. */
        redis: Redis;
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

const FIRST_PAGE = 64;
const MAX_PAGE = 2048;

/**
 * History on Redis: per session a `history` list of JSON messages (oldest first) and a `meta` hash, both
 * under the session's hash tag. Redis errors propagate to the caller (the queue decides to retry).
 */
export function createRedisHistoryStore(options: RedisHistoryStoreOptions): HistoryStore {
  const prefix = options.prefix ?? 'parley';
  const logger = (options.logger ?? silentLogger).child({ component: 'redis-history-store' });
  let redis: Redis;
  let ownsConnection: boolean;
  if ('redis' in options) {
    redis = options.redis;
    ownsConnection = options.ownsConnection ?? false;
  } else {
    redis = new Redis(options.url, options.redisOptions ?? {});
    ownsConnection = true;
    // Without a listener ioredis prints every reconnect failure itself; the failing command still rejects.
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  }
  const commitTurnScript = defineCommitTurnScript(redis);
  let closing: Promise<void> | undefined;

  /** Parses one stored entry; a corrupt one is logged (without its content) and skipped, never fatal. */
  const parse = (sessionId: string, index: number, raw: string): StoredMessage | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      logger.warn(
        { sessionId, index, bytes: raw.length, reason: (error as Error).message },
        'skipping corrupt history entry',
      );
      return undefined;
    }
    if (!isStoredMessage(value)) {
      logger.warn(
        { sessionId, index, bytes: raw.length, reason: 'not a stored message' },
        'skipping corrupt history entry',
      );
      return undefined;
    }
    return value;
  };

  const parseAll = (sessionId: string, entries: string[]): StoredMessage[] => {
    const messages: StoredMessage[] = [];
    entries.forEach((raw, index) => {
      const message = parse(sessionId, index, raw);
      if (message) messages.push(message);
    });
    return messages;
  };

  return {
    async load(sessionId: string, loadOptions: LoadOptions = {}): Promise<StoredMessage[]> {
      const { history } = sessionKeys(prefix, sessionId);
      if (loadOptions.maxTokens === undefined && loadOptions.maxMessages === undefined) {
        return parseAll(sessionId, await redis.lrange(history, 0, -1));
      }
      const messageLimit = Math.floor(limit('maxMessages', loadOptions.maxMessages));
      const tokenLimit = limit('maxTokens', loadOptions.maxTokens);
      if (messageLimit <= 0 || tokenLimit < 0) return [];

      // Page backwards from the tail. The first page comes with LLEN in one transaction; later pages use
      // head-relative indices, which appends made meanwhile do not shift, so no entry is read twice.
      let pageSize = Math.min(FIRST_PAGE, messageLimit);
      const first = await redis.multi().llen(history).lrange(history, -pageSize, -1).exec();
      const length = Number(resultOf(first, 0));
      let page = resultOf(first, 1) as string[];
      let pageStart = Math.max(0, length - pageSize);
      const newestFirst: StoredMessage[] = [];
      let tokens = 0;
      for (;;) {
        for (let offset = page.length - 1; offset >= 0; offset -= 1) {
          const message = parse(sessionId, pageStart + offset, page[offset]!);
          if (!message) continue;
          if (newestFirst.length >= messageLimit || tokens + message.tokens > tokenLimit) {
            return newestFirst.reverse();
          }
          tokens += message.tokens;
          newestFirst.push(message);
        }
        if (pageStart === 0 || newestFirst.length >= messageLimit) return newestFirst.reverse();
        // Grow the pages so a long read costs few round trips, but never ask for more than could be kept.
        pageSize = Math.min(pageSize * 2, MAX_PAGE, Math.max(messageLimit - newestFirst.length, 1));
        const pageEnd = pageStart - 1;
        pageStart = Math.max(0, pageEnd - pageSize + 1);
        page = await redis.lrange(history, pageStart, pageEnd);
        if (page.length === 0) return newestFirst.reverse();
      }
    },

    async append(sessionId: string, messages: StoredMessage[]): Promise<void> {
      if (messages.length === 0) return;
      await redis.rpush(sessionKeys(prefix, sessionId).history, ...messages.map(serialize));
    },

    async replace(sessionId: string, messages: StoredMessage[]): Promise<void> {
      const { history } = sessionKeys(prefix, sessionId);
      const transaction = redis.multi().del(history);
      if (messages.length > 0) transaction.rpush(history, ...messages.map(serialize));
      checkTransaction(await transaction.exec());
    },

    async clear(sessionId: string): Promise<void> {
      const { history, meta } = sessionKeys(prefix, sessionId);
      checkTransaction(await redis.multi().del(history).hdel(meta, 'summary').exec());
    },

    async count(sessionId: string): Promise<number> {
      return redis.llen(sessionKeys(prefix, sessionId).history);
    },

    async getMeta(sessionId: string): Promise<SessionMeta> {
      const fields = await redis.hgetall(sessionKeys(prefix, sessionId).meta);
      const meta: SessionMeta = {
        usage: {
          promptTokens: integerField(fields.promptTokens),
          completionTokens: integerField(fields.completionTokens),
          costUsd: integerField(fields.costMicroUsd) / 1_000_000,
          calls: integerField(fields.calls),
        },
        lastActiveAt: integerField(fields.lastActiveAt),
      };
      if (fields.persona !== undefined) meta.persona = fields.persona;
      if (fields.summary !== undefined) meta.summary = fields.summary;
      return meta;
    },

    async setMeta(sessionId, patch): Promise<void> {
      const { meta } = sessionKeys(prefix, sessionId);
      const set: Record<string, string> = {};
      const remove: string[] = [];
      for (const field of ['persona', 'summary'] as const) {
        const value = patch[field];
        if (value === null) remove.push(field);
        else if (value !== undefined) set[field] = value;
      }
      if (Object.keys(set).length === 0 && remove.length === 0) return;
      const transaction = redis.multi();
      if (Object.keys(set).length > 0) transaction.hset(meta, set);
      if (remove.length > 0) transaction.hdel(meta, ...remove);
      checkTransaction(await transaction.exec());
    },

    async commitTurn(sessionId: string, commit: TurnCommit): Promise<boolean> {
      checkSeq(commit.seq);
      const { history, meta } = sessionKeys(prefix, sessionId);
      return commitTurnScript(history, meta, {
        seq: commit.seq,
        clear: commit.clear === true,
        now: Date.now(),
        ...(commit.usage ? { usage: checkUsage(commit.usage) } : {}),
        messages: commit.messages.map(serialize),
      });
    },

    async committedSeq(sessionId: string): Promise<number> {
      return integerField(await redis.hget(sessionKeys(prefix, sessionId).meta, 'committedSeq'));
    },

    async close(): Promise<void> {
      if (!ownsConnection) return;
      // Idempotent: a second close waits for the first instead of sending QUIT on a closing connection.
      closing ??= redis.status === 'end' ? Promise.resolve() : redis.quit().then(() => undefined);
      await closing;
    },
  };
}

type TransactionResult = [error: Error | null, result: unknown][] | null;

/** Throws the first error of a MULTI/EXEC (ioredis reports per-command errors in the result). */
function checkTransaction(results: TransactionResult): NonNullable<TransactionResult> {
  if (!results) throw new Error('redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results;
}

function resultOf(results: TransactionResult, index: number): unknown {
  return checkTransaction(results)[index]?.[1];
}

function serialize(message: StoredMessage): string {
  return JSON.stringify(message);
}

function integerField(value: string | null | undefined): number {
  const parsed = value == null ? 0 : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** A load limit; absent means none. */
function limit(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, got NaN`);
  return value;
}

function isStoredMessage(value: unknown): value is StoredMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return (
    (message.role === 'user' || message.role === 'assistant') &&
    typeof message.content === 'string' &&
    typeof message.at === 'number' &&
    typeof message.tokens === 'number' &&
    Number.isFinite(message.tokens) &&
    message.tokens >= 0
  );
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`turn seq must be a positive integer, got ${seq}`);
  }
}

/** Checks a usage delta and converts its cost to integer micro-USD (0 when the price is unknown). */
function checkUsage(usage: UsageDelta): NonNullable<CommitTurnArguments['usage']> {
  for (const field of ['promptTokens', 'completionTokens'] as const) {
    const value = usage[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`usage.${field} must be a non-negative integer, got ${value}`);
    }
  }
  if (usage.costUsd !== null && (!Number.isFinite(usage.costUsd) || usage.costUsd < 0)) {
    throw new RangeError(`usage.costUsd must be a non-negative number or null, got ${usage.costUsd}`);
  }
  return {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costMicroUsd: usage.costUsd === null ? 0 : Math.round(usage.costUsd * 1_000_000),
  };
}

import { Redis, type RedisOptions } from 'ioredis';
import { type Logger, silentLogger } from '../../app/logger.ts';
import { checkCount, checkSeq, checkUsage, limit, retentionMs, sumTokens } from '../argument-checks.ts';
import type {
  Compaction,
  HistoryStore,
  LoadOptions,
  SessionListing,
  SessionMeta,
  StoredMessage,
  TurnCommit,
} from '../history-store.ts';
import { historyKeys } from './history-keys.ts';
import {
  checkTransaction,
  integerField,
  isStoredMessage,
  serialize,
  type TransactionResult,
} from './redis-history-codec.ts';
import { createRedisHistoryIndex } from './redis-history-index.ts';
import { defineHistoryScripts } from './redis-history-scripts.ts';

/** Options shared by both ways of giving the store a connection. */
interface RedisHistoryStoreCommonOptions {
  /** Key prefix (see redis-keys.ts); default `parley`. */
  prefix?: string;
  /** Receives warnings about corrupt entries and connection errors. */
  logger?: Logger;
  /** Retention: a session idle (no write) this many days expires; absent keeps sessions forever. */
  historyTtlDays?: number;
  /** Retention in ms, overriding `historyTtlDays` (lets tests watch Redis expire a session). */
  historyTtlMs?: number;
  /** Current time, ms since epoch (`lastActiveAt`, listing cut-off); default `Date.now`. */
  now?: () => number;
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
 * under the session's hash tag, plus an index of sessions (see redis-history-index.ts). With retention,
 * every write restarts the session's TTL, so Redis itself deletes idle sessions. Redis errors propagate to
 * the caller (the queue decides to retry).
 */
export function createRedisHistoryStore(options: RedisHistoryStoreOptions): HistoryStore {
  const prefix = options.prefix ?? 'parley';
  // Checked before connecting, so a bad option leaves no connection behind.
  const ttlMs = retentionMs(options);
  const now = options.now ?? Date.now;
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
  const scripts = defineHistoryScripts(redis);
  const sessionIndex = createRedisHistoryIndex({ redis, prefix, ttlMs, now });
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
      const { history } = historyKeys(prefix, sessionId);
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
      const addedTokens = sumTokens(messages);
      const { history, meta } = historyKeys(prefix, sessionId);
      await scripts.append(history, meta, ttlMs, addedTokens, messages.map(serialize));
    },

    async replace(sessionId: string, messages: StoredMessage[]): Promise<void> {
      const totalTokens = sumTokens(messages);
      const { history, meta } = historyKeys(prefix, sessionId);
      await scripts.replace(history, meta, ttlMs, totalTokens, messages.map(serialize));
    },

    async clear(sessionId: string): Promise<void> {
      const { history, meta } = historyKeys(prefix, sessionId);
      await scripts.clear(history, meta);
    },

    async count(sessionId: string): Promise<number> {
      return redis.llen(historyKeys(prefix, sessionId).history);
    },

    async getMeta(sessionId: string): Promise<SessionMeta> {
      const fields = await redis.hgetall(historyKeys(prefix, sessionId).meta);
      const meta: SessionMeta = {
        usage: {
          promptTokens: integerField(fields.promptTokens),
          completionTokens: integerField(fields.completionTokens),
          costUsd: integerField(fields.costMicroUsd) / 1_000_000,
          calls: integerField(fields.calls),
        },
        lastActiveAt: integerField(fields.lastActiveAt),
        historyTokens: integerField(fields.historyTokens),
      };
      if (fields.persona !== undefined) meta.persona = fields.persona;
      if (fields.summary !== undefined) meta.summary = fields.summary;
      if (fields.responseId !== undefined) meta.responseId = fields.responseId;
      return meta;
    },

    async setMeta(sessionId, patch): Promise<void> {
      const { history, meta } = historyKeys(prefix, sessionId);
      const set: Record<string, string> = {};
      const remove: string[] = [];
      for (const field of ['persona', 'summary', 'responseId'] as const) {
        const value = patch[field];
        if (value === null) remove.push(field);
        else if (value !== undefined) set[field] = value;
      }
      if (Object.keys(set).length === 0 && remove.length === 0) return;
      const transaction = redis.multi();
      if (Object.keys(set).length > 0) transaction.hset(meta, set);
      if (remove.length > 0) transaction.hdel(meta, ...remove);
      if (ttlMs > 0) transaction.pexpire(history, ttlMs).pexpire(meta, ttlMs);
      else transaction.persist(history).persist(meta);
      checkTransaction(await transaction.exec());
    },

    async loadOldest(sessionId: string, count: number): Promise<StoredMessage[]> {
      const wanted = checkCount('count', count);
      if (wanted === 0) return [];
      const { history } = historyKeys(prefix, sessionId);
      const end = Number.isFinite(wanted) ? wanted - 1 : -1;
      return parseAll(sessionId, await redis.lrange(history, 0, end));
    },

    async compact(sessionId: string, compaction: Compaction): Promise<boolean> {
      const { dropCount, droppedTokens, summary } = compaction;
      if (!Number.isSafeInteger(dropCount) || dropCount < 1) {
        throw new RangeError(`dropCount must be a positive integer, got ${dropCount}`);
      }
      if (!Number.isSafeInteger(droppedTokens) || droppedTokens < 0) {
        throw new RangeError(`droppedTokens must be a non-negative integer, got ${droppedTokens}`);
      }
      const usage = compaction.usage ? checkUsage(compaction.usage) : undefined;
      const { history, meta } = historyKeys(prefix, sessionId);
      return scripts.compact(history, meta, {
        dropCount,
        // Byte-for-byte what append stored: JSON.parse keeps key order, so a loaded message re-serialises equal.
        lastDropped: serialize(compaction.lastDropped),
        droppedTokens,
        summary,
        ttlMs,
        ...(usage ? { usage } : {}),
      });
    },

    async forget(sessionId: string): Promise<void> {
      const { history, meta } = historyKeys(prefix, sessionId);
      const scopeId = await scripts.forget(history, meta, ttlMs);
      await sessionIndex.remove(sessionId, scopeId);
    },

    async listSessions(listOptions: { limit?: number } = {}): Promise<SessionListing[]> {
      return sessionIndex.list(checkCount('limit', listOptions.limit ?? Number.POSITIVE_INFINITY));
    },

    async sessionsInScope(scopeId: string): Promise<string[]> {
      return sessionIndex.inScope(scopeId);
    },

    async commitTurn(sessionId: string, commit: TurnCommit): Promise<boolean> {
      checkSeq(commit.seq);
      const usage = commit.usage ? checkUsage(commit.usage) : undefined;
      const addedTokens = sumTokens(commit.messages);
      const { history, meta } = historyKeys(prefix, sessionId);
      const at = now();
      const scopeId =
        commit.scopeId !== undefined && commit.scopeId !== sessionId ? commit.scopeId : undefined;
      const { applied, previousScopeId } = await scripts.commitTurn(history, meta, {
        seq: commit.seq,
        ...(commit.forget ? { reset: 'forget' as const } : commit.clear ? { reset: 'clear' as const } : {}),
        now: at,
        ttlMs,
        ...(usage ? { usage } : {}),
        addedTokens,
        ...(commit.responseId !== undefined ? { responseId: commit.responseId } : {}),
        ...(scopeId !== undefined ? { scopeId } : {}),
        messages: commit.messages.map(serialize),
      });
      if (!applied) return false;
      try {
        await sessionIndex.recordCommit(sessionId, at, scopeId, commit.forget ? previousScopeId : '');
      } catch (error) {
        // The turn is committed; failing now would only make the queue retry a commit that is a no-op.
        logger.warn({ err: error, sessionId }, 'session index not updated; the next commit repairs it');
      }
      return true;
    },

    async committedSeq(sessionId: string): Promise<number> {
      return integerField(await redis.hget(historyKeys(prefix, sessionId).meta, 'committedSeq'));
    },

    async close(): Promise<void> {
      if (!ownsConnection) return;
      // Idempotent: a second close waits for the first instead of sending QUIT on a closing connection.
      closing ??= redis.status === 'end' ? Promise.resolve() : redis.quit().then(() => undefined);
      await closing;
    },
  };
}

function resultOf(results: TransactionResult, index: number): unknown {
  return checkTransaction(results)[index]?.[1];
}

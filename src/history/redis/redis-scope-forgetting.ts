import { checkTime } from '../history-arguments.ts';
import type { HistoryStore } from '../history-store.ts';
import { checkTransaction } from './check-transaction.ts';
import { historyKeys } from './history-keys.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';
import { isStored } from './redis-history-index.ts';

/** `/forget` of a whole scope (a channel and its threads) and the scope's forget mark. */
export type RedisScopeForgetting = Pick<HistoryStore, 'forgetScope' | 'scopeForgottenBefore'>;

/** Sessions forgotten at once: bounds the commands in flight for a channel with many threads. */
const BATCH = 100;

/**
 * Mark first, then delete: a commit under the scope (see redis-indexed-writes.ts) indexes its session before
 * it reads the mark, so a commit that misses the mark is indexed before the mark was set and is therefore in
 * the member list read after it, and deleted here; one that sees the mark deletes itself. Running it again
 * after an interruption deletes what is left and moves nothing back.
 */
export function createRedisScopeForgetting(
  context: RedisHistoryContext,
  forget: (sessionId: string) => Promise<void>,
): RedisScopeForgetting {
  const { redis, prefix, ttlMs, scripts, sessionIndex } = context;
  return {
    async forgetScope(scopeId, { before }) {
      checkTime('before', before);
      await scripts.markScopeForgotten(historyKeys(prefix, scopeId).forgotten, before, ttlMs);
      const candidates = [scopeId, ...(await sessionIndex.members(scopeId))];
      const forgotten: string[] = [];
      for (let start = 0; start < candidates.length; start += BATCH) {
        const batch = candidates.slice(start, start + BATCH);
        const stored = await Promise.all(batch.map((sessionId) => isStored(redis, prefix, sessionId)));
        await Promise.all(batch.map(forget));
        forgotten.push(...batch.filter((_, index) => stored[index]));
      }
      return forgotten;
    },

    scopeForgottenBefore: (scopeId) => forgottenBefore(context, scopeId),
  };
}

/** The scope's forget mark, 0 if none (or expired, or not a number). */
export async function forgottenBefore(
  { redis, prefix }: Pick<RedisHistoryContext, 'redis' | 'prefix'>,
  scopeId: string,
): Promise<number> {
  const value = await redis.get(historyKeys(prefix, scopeId).forgotten);
  const mark = value === null ? 0 : Number(value);
  return Number.isFinite(mark) ? mark : 0;
}

/**
 * With retention, restarts the clock of the scope's own session (its persona) and forget mark after a commit
 * under the scope, so they live as long as any conversation of the channel. Only existing keys are renewed.
 */
export async function renewScope(
  { redis, prefix, ttlMs }: Pick<RedisHistoryContext, 'redis' | 'prefix' | 'ttlMs'>,
  scopeId: string,
): Promise<void> {
  if (ttlMs <= 0) return;
  const keys = historyKeys(prefix, scopeId);
  const transaction = redis.multi();
  for (const key of [keys.history, keys.meta, keys.forgotten]) transaction.pexpire(key, ttlMs);
  checkTransaction(await transaction.exec());
}

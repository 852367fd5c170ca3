import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../src/history/memory-history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { type HistoryStoreFactory, historyStoreContract } from './history-store.contract.ts';
import { historyStoreAmendContract } from './history-store-amend.contract.ts';
import { historyStoreImagesContract, redisImagesTarget } from './history-store-images.contract.ts';
import { historyStoreImportContract } from './history-store-import.contract.ts';

historyStoreContract('memory', (options) => createMemoryHistoryStore(options));
historyStoreAmendContract('memory', (options) => createMemoryHistoryStore(options));
historyStoreImagesContract('memory', (options) => createMemoryHistoryStore(options));
historyStoreImportContract('memory', (options) => createMemoryHistoryStore(options));

const redis = useTestRedis();

// One server and connection for the file, a fresh prefix per test, so tests cannot see each other's keys.
const redisStore: HistoryStoreFactory = (options) =>
  createRedisHistoryStore({ redis: redis.client, prefix: `test-${randomUUID()}`, ...options });
historyStoreContract('redis', redisStore);
historyStoreAmendContract('redis', redisStore);
historyStoreImportContract('redis', redisStore);
const redisImages = redisImagesTarget(() => redis.client, 'test');
historyStoreImagesContract('redis', redisImages.factory, redisImages.probe);

describe('memory history store retention (driven by the injected clock)', () => {
  const DAY = 86_400_000;
  const message = (content: string): StoredMessage => ({ role: 'user', content, at: 1, tokens: 1 });

  it('every write restarts the clock: append, replace, setMeta and compact keep a session alive', async () => {
    let time = 1_750_000_000_000;
    const store = createMemoryHistoryStore({ now: () => time, historyTtlDays: 2 });
    await store.commitTurn('console:kept', { seq: 1, messages: [message('a'), message('b')] });
    await store.commitTurn('console:idle', { seq: 1, messages: [message('idle')] });
    for (const write of [
      () => store.append('console:kept', [message('c')]),
      () => store.replace('console:kept', [message('a'), message('b'), message('c')]),
      () => store.setMeta('console:kept', { persona: 'p' }),
      () =>
        store.compact('console:kept', {
          dropCount: 1,
          lastDropped: message('a'),
          droppedTokens: 1,
          summary: 's',
        }),
    ]) {
      time += 1.5 * DAY;
      await write();
    }
    expect(await store.count('console:idle')).toBe(0);
    expect(await store.committedSeq('console:idle')).toBe(0);
    expect(await store.getMeta('console:kept')).toMatchObject({
      persona: 'p',
      summary: 's',
      historyTokens: 2,
    });
    // Listing follows commits only: the kept session's last commit is six days old.
    expect(await store.listSessions()).toEqual([]);
    time += 2 * DAY;
    expect(await store.count('console:kept')).toBe(0);
    expect(await store.getMeta('console:kept')).toMatchObject({ historyTokens: 0, lastActiveAt: 0 });
  });

  it('without retention nothing expires', async () => {
    let time = 1_750_000_000_000;
    const store = createMemoryHistoryStore({ now: () => time });
    await store.commitTurn('console:a', { seq: 1, messages: [message('a')] });
    time += 10_000 * DAY;
    expect(await store.count('console:a')).toBe(1);
    expect(await store.listSessions()).toEqual([{ sessionId: 'console:a', lastActiveAt: 1_750_000_000_000 }]);
  });

  it('refuses a retention that is not positive', () => {
    expect(() => createMemoryHistoryStore({ historyTtlDays: 0 })).toThrow(RangeError);
    expect(() => createMemoryHistoryStore({ historyTtlMs: -5 })).toThrow(RangeError);
    expect(() => createRedisHistoryStore({ redis: redis.client, historyTtlDays: Number.NaN })).toThrow(
      RangeError,
    );
  });
});

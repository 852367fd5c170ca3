import type { Redis } from 'ioredis';
import type { StoredMessage } from '../../src/history/history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { createRedisUsageLedger } from '../../src/usage/redis-usage-ledger.ts';

const DAY = 86_400_000;

/** What `seedAdminData` writes. */
export interface AdminSeed {
  /** Conversations committed. */
  conversations: number;
  /** Distinct channels. */
  channels: number;
  /** Distinct users. */
  users: number;
  /** Model calls recorded in the ledger. */
  calls: number;
}

/**
 * A month of a busy team in Redis, written through the real store and ledger: `conversations` Slack threads over
 * 300 channels and 1,000 people, three turns each (history, meta, index and ledger as the worker leaves them),
 * spread over the last 30 days.
 */
export async function seedAdminData(redis: Redis, prefix: string, conversations: number): Promise<AdminSeed> {
  const store = createRedisHistoryStore({ redis, prefix });
  const ledger = createRedisUsageLedger({ redis, prefix });
  const now = Date.now();
  const channels = Math.min(300, conversations);
  const users = Math.min(1_000, conversations);
  const seedOne = async (index: number) => {
    const scopeId = `slack:TBENCH:C${String(index % channels).padStart(4, '0')}`;
    const sessionId = `${scopeId}:${1_700_000_000 + index}.000100`;
    const at = now - (index % 30) * DAY;
    for (let turn = 1; turn <= 3; turn++) {
      const usage = {
        promptTokens: 200 + turn * 150,
        completionTokens: 80 + (index % 50),
        costUsd: 0.0001 * turn,
      };
      const messages: StoredMessage[] = [
        {
          role: 'user',
          content: `question ${turn}`,
          at,
          tokens: 12,
          author: { id: `U${index % users}`, name: 'A' },
        },
        { role: 'assistant', content: `answer ${turn}`, at, tokens: 40 },
      ];
      await store.commitTurn(sessionId, { seq: turn, messages, usage, scopeId });
      await ledger.record({ scopeId, userId: `U${index % users}`, at, usage });
    }
  };
  const BATCH = 200;
  for (let start = 0; start < conversations; start += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, conversations - start) }, (_, offset) => seedOne(start + offset)),
    );
  }
  return { conversations, channels, users, calls: conversations * 3 };
}

import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { createMemoryFeedbackLedger } from '../../src/usage/memory-feedback-ledger.ts';
import { createRedisFeedbackLedger } from '../../src/usage/redis-feedback-ledger.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { feedbackLedgerContract } from './feedback-ledger.contract.ts';

describe('memory feedback ledger', () => {
  feedbackLedgerContract(async () => createMemoryFeedbackLedger());
});

describe('Redis feedback ledger (a spawned redis-server)', () => {
  const redis = useTestRedis();
  feedbackLedgerContract(async () =>
    createRedisFeedbackLedger({ redis: redis.client, prefix: `fb-${randomUUID()}` }),
  );
});

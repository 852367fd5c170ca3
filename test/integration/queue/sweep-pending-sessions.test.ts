/**
 * The sweeper on a real Redis: it wakes every pending session that still has turns, in batches, and drops the
 * empty ones from the pending set, across more sessions than one batch holds.
 */
import { describe, expect, it } from 'vitest';
import { mailboxKeys, pendingSessionsKey } from '../../../src/queue/bullmq/mailbox-keys.ts';
import { sweepPendingSessions } from '../../../src/queue/bullmq/sweep-pending-sessions.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';

const redis = useTestRedis();

describe('sweepPendingSessions', () => {
  it('wakes exactly the pending sessions with turns and forgets the empty ones, over several batches', async () => {
    const prefix = 'sweep-batches';
    const { client } = redis;
    const sessions = Array.from({ length: 1_203 }, (_, index) => `console:s${index}`);
    const busy = sessions.filter((_, index) => index % 3 === 0);
    await client.sadd(pendingSessionsKey(prefix), ...sessions);
    await Promise.all(
      busy.map((sessionId) => client.rpush(mailboxKeys(prefix, sessionId).mailbox, '{"seq":1}')),
    );
    const woken: string[] = [];
    await sweepPendingSessions({
      redis: client,
      prefix,
      isClosing: () => false,
      wake: async (sessionId) => {
        woken.push(sessionId);
      },
    });
    expect(woken.sort()).toEqual([...busy].sort());
    expect((await client.smembers(pendingSessionsKey(prefix))).sort()).toEqual([...busy].sort());
  });

  it('stops between batches once the queue is closing, having woken none after that', async () => {
    const prefix = 'sweep-closing';
    const { client } = redis;
    const sessions = Array.from({ length: 1_000 }, (_, index) => `console:c${index}`);
    await client.sadd(pendingSessionsKey(prefix), ...sessions);
    await Promise.all(
      sessions.map((sessionId) => client.rpush(mailboxKeys(prefix, sessionId).mailbox, '{"seq":1}')),
    );
    let closing = false;
    const woken: string[] = [];
    await sweepPendingSessions({
      redis: client,
      prefix,
      isClosing: () => closing,
      wake: async (sessionId) => {
        woken.push(sessionId);
        closing = true;
      },
    });
    // The first batch was already on its way; nothing of the second.
    expect(woken.length).toBe(500);
    expect(await client.scard(pendingSessionsKey(prefix))).toBe(1_000);
  });
});

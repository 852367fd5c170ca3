/**
 * What one turn costs the BullMQ queue in its own scripts: a new session's turn is numbered in one enqueue
 * call, its drain claims the head once (the pop says the mailbox is empty), and the committed seq the drain read
 * is handed to the processor, which need not read it again.
 */
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import { createBullTurnQueue } from '../../../src/queue/bullmq/bullmq-turn-queue.ts';
import type { MailboxRedis } from '../../../src/queue/bullmq/mailbox-commands.ts';
import type { TurnJob } from '../../../src/queue/turn-queue.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';

const redis = useTestRedis();

describe('one turn through the BullMQ queue', () => {
  it('is enqueued in one script call, claimed once, and hands its committed seq to the processor', async () => {
    // Without auto-pipelining: a pipelined script call passes through the spied method twice.
    const shared = new Redis(redis.server.url, { maxRetriesPerRequest: null });
    let committed = 0;
    const lookups = vi.fn(async () => committed);
    const queue = createBullTurnQueue({
      redis: shared,
      prefix: 'round-trips',
      concurrency: 1,
      maxAttempts: 2,
      committedSeq: lookups,
      logger: silentLogger,
    });
    const scripts = shared as unknown as MailboxRedis;
    const enqueues = vi.spyOn(scripts, 'parleyEnqueue');
    const claims = vi.spyOn(scripts, 'parleyClaimHead');
    const jobs: TurnJob[] = [];
    await queue.process(async (job) => {
      jobs.push(job);
      committed = job.seq;
    });
    expect(
      await queue.enqueue({
        id: 'rt-1',
        sessionId: 'console:round-trips',
        kind: 'message',
        messageRef: 'rt-1',
        author: { id: 'U1', name: 'Alice' },
        text: 'hello',
        target: { platform: 'console', channelId: 'c' },
        receivedAt: Date.now(),
      }),
    ).toMatchObject({ accepted: true, seq: 1 });
    await vi.waitFor(async () => expect(await queue.pendingCount()).toBe(0));
    await queue.close({ timeoutMs: 5_000 });

    expect(enqueues).toHaveBeenCalledTimes(1);
    expect(claims).toHaveBeenCalledTimes(1);
    expect(jobs.map((job) => [job.seq, job.committedSeq])).toEqual([[1, 0]]);
    // Once by the enqueue (numbering a new session), once by the drain: never by the run.
    expect(lookups).toHaveBeenCalledTimes(2);
    await shared.quit();
  });
});

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../../src/app/logger.ts';
import { createBullTurnQueue } from '../../../../src/queue/bullmq/bullmq-turn-queue.ts';
import type { TurnProcessor, TurnQueue } from '../../../../src/queue/turn-queue.ts';
import { makeTurn } from '../../../contract/turn-queue.contract.ts';
import { startTestRedis, type TestRedis } from '../../../helpers/redis-server.ts';
import { waitFor } from '../../../helpers/wait-for.ts';

/*
 * What the BullMQ queue leaves in Redis per session (mailbox-keys.ts): without retention nothing but the seq
 * counter once every turn is committed; with the history's retention, nothing at all once idle that long.
 */

let server: TestRedis;
let client: Redis;
let connection: Redis;
let queue: TurnQueue | undefined;

beforeAll(async () => {
  server = await startTestRedis();
  client = server.client();
  connection = new Redis(server.url, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  await queue?.close({ timeoutMs: 5_000 });
  queue = undefined;
});
afterAll(async () => {
  await connection?.quit();
  await client?.quit();
  await server?.close();
});

const session = 'slack:T:C:1.1';

/** A queue under a fresh prefix whose processor records a reply, then commits like the real one. */
async function started(options: { historyTtlMs?: number; run?: TurnProcessor } = {}) {
  const prefix = `retention-${randomUUID()}`;
  const committed = new Map<string, number>();
  const seqs: number[] = [];
  queue = createBullTurnQueue({
    redis: connection,
    prefix,
    concurrency: 2,
    maxAttempts: 3,
    committedSeq: async (sessionId) => committed.get(sessionId) ?? 0,
    sweepIntervalMs: 1_000,
    logger: silentLogger,
    ...(options.historyTtlMs !== undefined ? { historyTtlMs: options.historyTtlMs } : {}),
  });
  await queue.process(async (job) => {
    await job.recordReplies([{ channelId: 'C', messageId: `m${job.seq}` }]);
    await options.run?.(job);
    seqs.push(job.seq);
    committed.set(job.turn.sessionId, job.seq);
  });
  const keys = async () =>
    (await client.keys(`${prefix}:{s:${session}}:*`)).map((key) => key.slice(prefix.length)).sort();
  return { prefix, committed, seqs, keys };
}

describe('BullMQ queue keys of a session', () => {
  it('without retention, once every turn is committed only the counter stays (and dedup marks, which expire)', async () => {
    const { seqs, keys, prefix } = await started();
    for (const id of ['a', 'b', 'c']) await queue!.enqueue(makeTurn(session, id));
    await waitFor('three turns', () => seqs.length === 3);
    await waitFor('the mailbox to empty', async () => (await queue!.pendingCount()) === 0);
    // The replies recorded for each turn went with its pop.
    expect(await keys()).toEqual([
      `:{s:${session}}:dedup:a`,
      `:{s:${session}}:dedup:b`,
      `:{s:${session}}:dedup:c`,
      `:{s:${session}}:seq`,
    ]);
    expect(await client.pttl(`${prefix}:{s:${session}}:seq`)).toBe(-1);
    expect(await client.ttl(`${prefix}:{s:${session}}:dedup:a`)).toBeGreaterThan(0);
  });

  it('with retention, mailbox, counter, replies and dedup marks expire, and numbering resumes after the store', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ttl = 1_500;
    const { prefix, seqs, keys, committed } = await started({
      historyTtlMs: ttl,
      run: async (job) => {
        if (job.turn.id === 'a') await held;
      },
    });
    await queue!.enqueue(makeTurn(session, 'a'));
    await queue!.enqueue(makeTurn(session, 'b'));
    const base = `${prefix}:{s:${session}}`;
    // While turn a is in flight every queue key of the session carries the retention as its TTL.
    await waitFor(
      'the reply of turn a to be recorded',
      async () => (await client.exists(`${base}:replies`)) === 1,
    );
    for (const key of ['mailbox', 'seq', 'replies']) {
      const left = await client.pttl(`${base}:${key}`);
      expect(left, key).toBeGreaterThan(0);
      expect(left, key).toBeLessThanOrEqual(ttl);
    }
    // Dedup marks count whole seconds: not remembered past the retention, rounded up.
    expect(await client.pttl(`${base}:dedup:a`)).toBeLessThanOrEqual(2_000);
    release();
    await waitFor('both turns', () => seqs.length === 2);
    await vi.waitFor(async () => expect(await keys()).toEqual([]), { timeout: 5_000, interval: 100 });
    // The store still knows seq 2, so numbering goes on from there.
    expect(committed.get(session)).toBe(2);
    expect(await queue!.enqueue(makeTurn(session, 'c'))).toEqual({ accepted: true, seq: 3 });
    await waitFor('turn c', () => seqs.length === 3);
  });
});

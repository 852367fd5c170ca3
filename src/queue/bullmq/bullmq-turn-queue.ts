import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import type { PostedMessage } from '../../turn/reply-channel.ts';
import type { Turn } from '../../turn/turn.ts';
import { defaultRetryDelayMs } from '../in-process-turn-queue.ts';
import type { EnqueueResult, TurnProcessor, TurnQueue } from '../turn-queue.ts';
import { mailboxKeys, pendingSessionsKey } from './mailbox-keys.ts';

/** Options of the Redis-backed queue. */
export interface BullTurnQueueOptions {
  /** A connection for our own commands; `maxRetriesPerRequest: null` so commands wait out a Redis restart. */
  redis: Redis;
  /** Prefix of every key (sessions and queue). */
  prefix: string;
  /** Sessions processed at once by this process. */
  concurrency: number;
  /** Last committed seq of a session (from the history store). */
  committedSeq(sessionId: string): Promise<number>;
  /** Runs of one turn before the processor must settle it. */
  maxAttempts: number;
  /** Turns a session may run back to back before its wake-up goes to the back of the queue. */
  turnsPerSlice?: number;
  /** How long a worker holds a session before another may take it over after a crash. */
  lockDurationMs?: number;
  /** How often to look for sessions whose wake-up was lost. */
  sweepIntervalMs?: number;
  /** How long an enqueued turn id is remembered for de-duplication. */
  dedupTtlSeconds?: number;
  /** Delay before re-running a turn whose processor threw. */
  retryDelayMs?: (attempt: number) => number;
  /** Logger. */
  logger: Logger;
}

interface DrainData {
  sessionId: string;
}

interface MailboxEntry {
  seq: number;
  turn: Turn;
}

type QueueRedis = Redis & {
  parleyEnqueue(
    dedupKey: string,
    seqKey: string,
    mailboxKey: string,
    turn: string,
    ttl: number,
    startAfter: string,
  ): Promise<number>;
  parleyPopIfHead(mailboxKey: string, repliesKey: string, head: string, seq: number): Promise<number>;
};

// De-duplicate on the turn id, number the turn and append it to the session's mailbox, atomically.
// A session without a counter yet returns -1 first, so the caller can start numbering after the store's last
// committed seq (ARGV[3]). The entry is built as a string so the turn's JSON is stored exactly as given.
const ENQUEUE = `
if redis.call('EXISTS', KEYS[2]) == 0 then
  if ARGV[3] == '' then return -1 end
  redis.call('SET', KEYS[2], ARGV[3])
end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[2])) then return 0 end
local seq = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[3], '{"seq":' .. seq .. ',"turn":' .. ARGV[1] .. '}')
return seq`;

// Pop the head only if it is still the entry that was processed; forget that turn's bookkeeping.
const POP_IF_HEAD = `
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2], 'a:' .. ARGV[2])
return 1`;

const QUEUE_NAME = 'turns';

/**
 * Turns on Redis and BullMQ, strictly ordered per session (DESIGN §3): each session has a mailbox list;
 * a BullMQ "drain" job per session, de-duplicated with `keepLastIfActive`, drains it one turn at a time.
 * The turn is popped only after the processor committed it, so a crash re-runs it, never loses it.
 */
export function createBullTurnQueue(options: BullTurnQueueOptions): TurnQueue {
  const redis = options.redis as QueueRedis;
  if (typeof (options.redis as unknown as Partial<QueueRedis>).parleyEnqueue !== 'function') {
    options.redis.defineCommand('parleyEnqueue', { numberOfKeys: 3, lua: ENQUEUE });
    options.redis.defineCommand('parleyPopIfHead', { numberOfKeys: 2, lua: POP_IF_HEAD });
  }
  const { logger, prefix } = options;
  const turnsPerSlice = options.turnsPerSlice ?? 5;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const dedupTtlSeconds = options.dedupTtlSeconds ?? 24 * 3600;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const pendingKey = pendingSessionsKey(prefix);
  // The queue's keys carry their own hash tag, apart from the session keys.
  const bullPrefix = `${prefix}:{q}`;
  const queue = new Queue<DrainData>(QUEUE_NAME, { connection: redis, prefix: bullPrefix });
  // While Redis is down every reconnect attempt raises an error here; one line per 30 s tells the story.
  const warnAtMostEvery30s = (message: string) => {
    let last = 0;
    return (error: Error) => {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      logger.warn({ err: error }, message);
    };
  };
  queue.on('error', warnAtMostEvery30s('queue connection error'));
  let worker: Worker<DrainData> | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let closing = false;

  const wake = (sessionId: string) =>
    queue.add(
      'drain',
      { sessionId },
      {
        deduplication: { id: `sess-${sessionId}`, keepLastIfActive: true },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );

  const drain = async (job: Job<DrainData>, token?: string) => {
    const { sessionId } = job.data;
    const keys = mailboxKeys(prefix, sessionId);
    for (let done = 0; done < turnsPerSlice && !closing; done++) {
      // A drain stalled past its lock (a starved event loop, a Redis outage) may have been handed to another
      // worker already; without this check both would run the rest of the slice side by side, every turn
      // twice. Extending the lock here also keeps it fresh turn by turn.
      if (token !== undefined && (await job.extendLock(token, lockDuration)) !== 1) {
        logger.warn({ sessionId }, 'lost the lock on a session; leaving it to its new owner');
        return;
      }
      const head = await redis.lindex(keys.mailbox, 0);
      if (head === null) return;
      let entry: MailboxEntry;
      try {
        entry = JSON.parse(head) as MailboxEntry;
      } catch (error) {
        logger.error({ sessionId, err: error }, 'dropping an unreadable mailbox entry');
        await redis.parleyPopIfHead(keys.mailbox, keys.replies, head, 0);
        continue;
      }
      const { seq, turn } = entry;
      if (seq <= (await options.committedSeq(sessionId))) {
        // Committed by a run that died before popping it.
        await redis.parleyPopIfHead(keys.mailbox, keys.replies, head, seq);
        continue;
      }
      const attempt = await redis.hincrby(keys.replies, `a:${seq}`, 1);
      const recorded = await redis.hget(keys.replies, String(seq));
      const previousReplies = recorded ? (JSON.parse(recorded) as PostedMessage[]) : [];
      try {
        await runProcessor({
          turn,
          seq,
          attempt,
          maxAttempts: options.maxAttempts,
          previousReplies,
          recordReplies: async (posted) => {
            await redis.hset(keys.replies, String(seq), JSON.stringify(posted));
          },
        });
      } catch (error) {
        logger.warn({ sessionId, seq, attempt, err: error }, 'turn failed; it will be retried');
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
        continue;
      }
      await redis.parleyPopIfHead(keys.mailbox, keys.replies, head, seq);
    }
    // A chatty session yields: its next wake-up is queued behind everyone else's.
    if (!closing && (await redis.llen(keys.mailbox)) > 0) await wake(sessionId);
  };

  let runProcessor: TurnProcessor = async () => {
    throw new Error('no processor');
  };

  const sweep = async () => {
    const sessionIds = await redis.smembers(pendingKey);
    for (const sessionId of sessionIds) {
      if (closing) return;
      const { mailbox } = mailboxKeys(prefix, sessionId);
      if ((await redis.llen(mailbox)) === 0) {
        await redis.srem(pendingKey, sessionId);
        // An enqueue may have pushed between the check and the removal (the two keys cannot share a script
        // on Redis Cluster): look again, and keep the session if so.
        if ((await redis.llen(mailbox)) === 0) continue;
        await redis.sadd(pendingKey, sessionId);
      }
      await wake(sessionId);
    }
  };

  return {
    async enqueue(turn: Turn): Promise<EnqueueResult> {
      const keys = mailboxKeys(prefix, turn.sessionId);
      const json = JSON.stringify(turn);
      const run = (startAfter: string) =>
        redis.parleyEnqueue(keys.dedup(turn.id), keys.seq, keys.mailbox, json, dedupTtlSeconds, startAfter);
      // Pending first: whatever fails after the push below (a crash, a Redis error), the sweeper still finds
      // the session. Marked after the push, a failure in between stranded the turn: the caller's retry is
      // de-duplicated, so nothing else would ever mark or wake the session.
      await redis.sadd(pendingKey, turn.sessionId);
      let seq = await run('');
      if (seq === -1) seq = await run(String(await options.committedSeq(turn.sessionId)));
      // A repeat may be the caller retrying after our own failure past the push: wake anyway (de-duplicated,
      // and a drain of an empty mailbox does nothing), so its turn does not wait for the next sweep.
      await wake(turn.sessionId);
      if (seq === 0) return { accepted: false, seq: undefined };
      return { accepted: true, seq };
    },

    async process(processor: TurnProcessor): Promise<void> {
      runProcessor = processor;
      worker = new Worker<DrainData>(QUEUE_NAME, drain, {
        connection: redis,
        prefix: bullPrefix,
        concurrency: options.concurrency,
        lockDuration,
        stalledInterval: Math.max(1_000, Math.floor(lockDuration / 2)),
        // Our own attempt counter settles poison turns; BullMQ must keep re-running stalled drains.
        maxStalledCount: 1_000,
      });
      // Connection trouble, and lock errors of a drain that outlived its lock (its job has a new owner).
      worker.on('error', warnAtMostEvery30s('worker error'));
      worker.on('failed', (job, error) =>
        logger.error({ sessionId: job?.data.sessionId, err: error }, 'drain failed'),
      );
      const interval = options.sweepIntervalMs ?? 10_000;
      const runSweep = () =>
        sweep().catch((error: unknown) => logger.warn({ err: error }, 'sweep failed; will try again'));
      void runSweep();
      sweeper = setInterval(runSweep, interval);
      sweeper.unref();
    },

    async pendingCount(): Promise<number> {
      const sessionIds = await redis.smembers(pendingKey);
      if (sessionIds.length === 0) return 0;
      const pipeline = redis.pipeline();
      for (const sessionId of sessionIds) pipeline.llen(mailboxKeys(prefix, sessionId).mailbox);
      const results = (await pipeline.exec()) ?? [];
      return results.reduce((sum, [, length]) => sum + Number(length ?? 0), 0);
    },

    async close({ timeoutMs = 10_000 } = {}): Promise<void> {
      closing = true;
      if (sweeper) clearInterval(sweeper);
      if (worker) {
        let timeout: NodeJS.Timeout | undefined;
        const graceful = worker.close();
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((resolve) => {
            timeout = setTimeout(() => resolve(true), timeoutMs);
          }),
        ]);
        clearTimeout(timeout);
        // In-flight turns that did not finish stay in their mailboxes and are re-run elsewhere.
        if (timedOut) await worker.close(true);
      }
      await queue.close();
    },
  };
}

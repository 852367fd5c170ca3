import type { Job } from 'bullmq';
import type { Logger } from '../../app/logger.ts';
import type { PostedMessage } from '../../turn/reply-channel.ts';
import type { Turn } from '../../turn/turn.ts';
import { runSlice, type SliceStep } from '../run-slice.ts';
import { runTurnAttempt } from '../run-turn-attempt.ts';
import { MAX_WAITING_REPORTED, type TurnProcessor, type WaitingTurn } from '../turn-queue.ts';
import type { DrainData } from './drain-queue.ts';
import type { MailboxRedis } from './mailbox-commands.ts';
import { type MailboxKeys, mailboxKeys } from './mailbox-keys.ts';
import { recordPostedReplies } from './record-posted-replies.ts';

/** What a drain job needs. */
export interface DrainSessionContext {
  /** Our own connection, with the mailbox scripts. */
  redis: MailboxRedis;
  /** Prefix of every key. */
  prefix: string;
  /** Runs each turn. */
  processor: TurnProcessor;
  /** Last committed seq of a session (from the history store). */
  committedSeq(sessionId: string): Promise<number>;
  /** The forget mark of a scope (from the history store), if the queue honours `/forget`: see `TurnQueue`. */
  forgottenBefore?: (scopeId: string) => Promise<number>;
  /** Retention in ms (the history's); 0 for none. */
  retentionMs: number;
  /** Runs of one turn before the processor must settle it. */
  maxAttempts: number;
  /** Turns a session may run back to back before its wake-up goes to the back of the queue. */
  turnsPerSlice: number;
  /** How long the drain's lock on the session lasts; renewed before every turn. */
  lockDurationMs: number;
  /** Delay before re-running a turn whose processor threw. */
  retryDelayMs(attempt: number): number;
  /** True once the queue is closing: no further turn starts. */
  isClosing(): boolean;
  /** Asks for another drain of the session. */
  wake(sessionId: string): Promise<void>;
  /** Logger. */
  logger: Logger;
}

/** A mailbox entry as enqueue-turn-3.lua writes it. */
interface MailboxEntry {
  /** The turn's seq. */
  seq: number;
  /** The turn as enqueued. */
  turn: Turn;
  /** Set when the turn's message was edited while it waited: its text now. */
  editedText?: string;
}

/**
 * The BullMQ processor of drain jobs (DESIGN §3, steps 3 and 6): runs one slice of the session's mailbox, head
 * first, popping each turn only after the processor committed it, then re-queues the session if turns remain.
 */
export function createSessionDrain(
  context: DrainSessionContext,
): (job: Job<DrainData>, token?: string) => Promise<void> {
  return async (job, token) => {
    const { sessionId } = job.data;
    const keys = mailboxKeys(context.prefix, sessionId);
    let steps = 0;
    const end = await runSlice({
      turnsPerSlice: context.turnsPerSlice,
      isClosing: context.isClosing,
      // The lock was taken a moment ago, with the job: the first step need not check it.
      step: () => drainHead(context, job, steps++ === 0 ? undefined : token, keys),
    });
    if (end !== 'yielded' || context.isClosing()) return;
    // A chatty session yields: its next wake-up is queued behind everyone else's.
    if ((await context.redis.llen(keys.mailbox)) > 0) await context.wake(sessionId);
  };
}

/** The readable turns after the head of the mailbox, oldest first, edits made while waiting applied. */
async function waitingBehindHead(redis: MailboxRedis, keys: MailboxKeys): Promise<WaitingTurn[]> {
  const raw = await redis.lrange(keys.mailbox, 1, MAX_WAITING_REPORTED);
  const waiting: WaitingTurn[] = [];
  for (const item of raw) {
    try {
      const entry = JSON.parse(item) as MailboxEntry;
      const turn = entry.editedText === undefined ? entry.turn : { ...entry.turn, text: entry.editedText };
      waiting.push({ seq: entry.seq, turn });
    } catch {
      // An unreadable entry ends what can be folded; the drain drops it when it reaches the head.
      break;
    }
  }
  return waiting;
}

/** Deals with the head of the mailbox: runs it, or drops it when it is unreadable or already committed. */
async function drainHead(
  context: DrainSessionContext,
  job: Job<DrainData>,
  token: string | undefined,
  keys: MailboxKeys,
): Promise<SliceStep> {
  const { redis, logger } = context;
  const { sessionId } = job.data;
  // A drain stalled past its lock (a starved event loop, a Redis outage) may have been handed to another
  // worker already; without this check both would run the rest of the slice side by side, every turn
  // twice. Extending the lock here also keeps it fresh turn by turn.
  if (token !== undefined && (await job.extendLock(token, context.lockDurationMs)) !== 1) {
    logger.warn({ sessionId }, 'lost the lock on a session; leaving it to its new owner');
    return 'stopped';
  }
  // The head, read and counted as run once more in one round trip.
  const claimed = await redis.parleyClaimHead(keys.mailbox, keys.replies, context.retentionMs);
  if (claimed === null) return 'empty';
  const [head, claimedSeq, claimedAttempt, posted] = claimed;
  // Pops the head; the mailbox left empty ends the slice without claiming again (a turn queued after this is
  // woken by its own enqueue, as one queued after an empty claim would be).
  const pop = async (seq: number): Promise<SliceStep> =>
    (await redis.parleyPopIfHead(keys.mailbox, keys.replies, keys.seq, head, seq, context.retentionMs)) === 1
      ? 'empty'
      : 'processed';
  let entry: MailboxEntry;
  try {
    entry = JSON.parse(head) as MailboxEntry;
  } catch (error) {
    logger.error({ sessionId, err: error }, 'dropping an unreadable mailbox entry');
    return pop(claimedSeq);
  }
  const { seq } = entry;
  const turn = entry.editedText === undefined ? entry.turn : { ...entry.turn, text: entry.editedText };
  // Undefined: the head needs no run.
  const committedSeq = await committedSeqIfRunnable(context, sessionId, { seq, turn });
  if (committedSeq === undefined) return pop(seq);
  const { succeeded, attempt } = await runTurnAttempt({
    sessionId,
    turn,
    seq,
    maxAttempts: context.maxAttempts,
    attempts: {
      // Counted by the claim above.
      begin: async () => ({
        attempt: claimedAttempt,
        previousReplies: posted ? (JSON.parse(posted) as PostedMessage[]) : [],
      }),
      record: recordPostedReplies(redis, keys.replies, context.retentionMs),
    },
    processor: context.processor,
    logger,
    waiting: () => waitingBehindHead(redis, keys),
    committedSeq,
  });
  if (succeeded) return pop(seq);
  // The drain waits out the delay holding the session, so the turns behind a failed one cannot overtake it.
  await new Promise((resolve) => setTimeout(resolve, context.retryDelayMs(attempt)));
  return 'processed';
}

/**
 * Whether the head needs no run (`undefined`): committed by a run that died before popping it, or received
 * before its scope was forgotten (`/forget` of its channel), which must neither be answered nor re-create
 * history. Otherwise the session's committed seq, handed to the run.
 */
async function committedSeqIfRunnable(
  context: DrainSessionContext,
  sessionId: string,
  { seq, turn }: MailboxEntry,
): Promise<number | undefined> {
  // Both looked up at once (one write on the shared, auto-pipelining connection); the mark is rarely needed.
  const [committed, mark] = await Promise.all([
    context.committedSeq(sessionId),
    context.forgottenBefore?.(turn.scopeId ?? sessionId),
  ]);
  if (seq <= committed) return undefined;
  if (mark === undefined) return committed;
  // Written so that a turn without a usable receipt time is run, never dropped.
  if (!(turn.receivedAt < mark)) return committed;
  context.logger.info({ sessionId, seq }, 'dropping a turn received before its channel was forgotten');
  return undefined;
}

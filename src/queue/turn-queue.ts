/**
 * The queue seam: adapters hand turns to a `TurnSink`; a `TurnQueue` runs them through a `TurnProcessor`
 * strictly in order within a session and in parallel across sessions. A turn id is accepted once (within a
 * de-duplication window), and a turn is removed only after the processor committed it, so a failed run (on
 * BullMQ, a crashed worker too) re-runs it with the replies it already posted instead of losing it: runs are
 * at least once; the processor's commit by seq makes the outcome once. Numbering never goes back to or below
 * the store's committed seq, even after the queue's own per-session state expired. Given the store's
 * `scopeForgottenBefore`, a queue drops unrun every turn received before its scope (`turn.scopeId`, else its
 * session) was forgotten, in every session of the scope, so `/forget` leaves no earlier turn to be answered.
 * An `edit` or `delete` turn whose target still waits behind the head changes that turn in place instead of
 * being queued (see `amend-waiting-turn.ts`): a deleted waiting turn is never run, leaving a gap in the seqs.
 *
 * Implementations beside it: `in-process-turn-queue.ts` (the embedded default, nothing survives a restart) and
 * `bullmq/bullmq-turn-queue.ts` (a Redis mailbox per session drained by BullMQ, DESIGN §3). What both share:
 * `amend-waiting-turn.ts` (edits of waiting turns), `run-slice.ts` (fairness), `run-turn-attempt.ts` (attempt
 * counting and re-runs), `retry-delay.ts`, `completes-within.ts` (graceful close).
 * `test/contract/turn-queue.contract.ts` holds both to the same promises.
 */
import type { PostedMessage } from '../turn/reply-channel.ts';
import type { Turn } from '../turn/turn.ts';

/** What `enqueue` did with a turn. */
export interface EnqueueResult {
  /** False when a turn with the same id was already enqueued (a platform retry): nothing was added. */
  accepted: boolean;
  /** The turn's sequence number in its session, when accepted. */
  seq: number | undefined;
  /** Set when the access rules refused the turn (not a duplicate): why. Adapters tell the user, never "done". */
  declined?: string;
  /**
   * `edit` / `delete` turns whose target was still waiting in the mailbox (not yet being processed): the waiting
   * turn was changed in place (it is answered with its newest text) or removed (not answered), and no new turn
   * was added.
   */
  amendedQueued?: boolean;
}

/** Where adapters (ingress) hand turns over. */
export interface TurnSink {
  /** Durably accepts a turn for in-order processing; idempotent on `turn.id` per session. */
  enqueue(turn: Turn): Promise<EnqueueResult>;
}

/** One turn handed to the processor. */
export interface TurnJob {
  /** The turn. */
  turn: Turn;
  /** Its sequence number within the session (1, 2, …). */
  seq: number;
  /** Runs of this turn so far, this one included (1 on the first run; crashed runs count too). */
  attempt: number;
  /** Runs allowed: on the last one the processor must settle the turn (report and commit it as failed) rather than throw. */
  maxAttempts: number;
  /** Messages an earlier, interrupted run of this same turn already posted (edit them, do not post again). */
  previousReplies: PostedMessage[];
  /** Records the messages posted for this turn so a re-run finds them. */
  recordReplies(posted: PostedMessage[]): Promise<void>;
  /**
   * The turns waiting behind this one in its session's mailbox, oldest first (at most 10), for answering a burst
   * together (`FOLD_BURSTS`). A processor that answers some of them commits with the newest one's seq; the queue
   * then drops them as already committed, in order, without running them.
   */
  waitingBehind?(): Promise<WaitingTurn[]>;
  /**
   * The session's committed seq as the queue read it right before handing over this run (a queue that checks
   * for a committed head anyway), so the processor need not read it again; absent: the processor reads it.
   */
  committedSeq?: number;
}

/** A turn waiting in a session's mailbox. */
export interface WaitingTurn {
  /** Its sequence number within the session. */
  seq: number;
  /** The turn, with an edit made while it waited already applied. */
  turn: Turn;
}

/** How many waiting turns `TurnJob.waitingBehind` reports at most. */
export const MAX_WAITING_REPORTED = 10;

/**
 * Processes one turn completely, including committing it to the history store with `seq`.
 * It does not throw for model failures (it reports them to the user and commits the turn as failed);
 * a throw means "try this turn again later" and the session waits. From `attempt >= maxAttempts` on it
 * must settle the turn, so a poison turn cannot block its session forever.
 */
export type TurnProcessor = (job: TurnJob) => Promise<void>;

/** Queue of turns, strictly ordered per session, parallel across sessions. In-process and BullMQ. */
export interface TurnQueue extends TurnSink {
  /** Starts processing (worker role). */
  process(processor: TurnProcessor): Promise<void>;
  /** Turns accepted but not yet processed, across all sessions (for health and tests). */
  pendingCount(): Promise<number>;
  /** Stops taking work, lets in-flight turns finish within `timeoutMs`, and closes connections. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

import type { Logger } from '../app/logger.ts';
import type { PostedMessage } from '../turn/reply-channel.ts';
import type { Turn } from '../turn/turn.ts';
import type { TurnProcessor, WaitingTurn } from './turn-queue.ts';

/** Where a queue keeps the runs of its head turn and the replies they posted, until the turn is popped. */
export interface TurnAttempts {
  /** Counts one more run of turn `seq`; returns the runs so far (this one included) and what earlier runs posted. */
  begin(seq: number): Promise<{ attempt: number; previousReplies: PostedMessage[] }>;
  /** Records the messages posted for turn `seq`, so a re-run edits them instead of posting again. */
  record(seq: number, posted: PostedMessage[]): Promise<void>;
}

/** One run of a session's head turn. */
export interface TurnAttemptOptions {
  /** The session the turn belongs to (for the log). */
  sessionId: string;
  /** The head turn. */
  turn: Turn;
  /** Its sequence number within the session. */
  seq: number;
  /** Runs allowed before the processor must settle the turn. */
  maxAttempts: number;
  /** The queue's run counter and reply record. */
  attempts: TurnAttempts;
  /** Runs the turn. */
  processor: TurnProcessor;
  /** Where a failed run is reported. */
  logger: Logger;
  /** The turns waiting behind this one (see `TurnJob.waitingBehind`). */
  waiting?: () => Promise<WaitingTurn[]>;
  /** The session's committed seq as the queue read it right before this run (see `TurnJob.committedSeq`). */
  committedSeq?: number;
}

/** What a run came to: whether the processor finished, and which run it was (for the retry delay). */
export interface TurnAttemptResult {
  /** True when the processor returned; false when it threw and the turn must be run again later. */
  succeeded: boolean;
  /** Runs of this turn so far, this one included. */
  attempt: number;
}

/**
 * Counts and runs one attempt of a turn. A throw from the processor is logged, not passed on: it means "run
 * this turn again later", and the queue decides when.
 */
export async function runTurnAttempt(options: TurnAttemptOptions): Promise<TurnAttemptResult> {
  const { sessionId, turn, seq, attempts } = options;
  const { attempt, previousReplies } = await attempts.begin(seq);
  try {
    await options.processor({
      turn,
      seq,
      attempt,
      maxAttempts: options.maxAttempts,
      previousReplies,
      recordReplies: (posted) => attempts.record(seq, posted),
      ...(options.waiting ? { waitingBehind: options.waiting } : {}),
      ...(options.committedSeq !== undefined ? { committedSeq: options.committedSeq } : {}),
    });
    return { succeeded: true, attempt };
  } catch (error) {
    options.logger.warn({ sessionId, seq, attempt, err: error }, 'turn failed; it will be retried');
    return { succeeded: false, attempt };
  }
}

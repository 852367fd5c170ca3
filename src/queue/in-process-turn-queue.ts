import type { Logger } from '../app/logger.ts';
import { enqueueInProcess } from './in-process-enqueue.ts';
import { createSessionRunner } from './in-process-session-runner.ts';
import { createSessionTable } from './in-process-session-table.ts';
import { defaultRetryDelayMs } from './retry-delay.ts';
import { DEFAULT_TURNS_PER_SLICE } from './run-slice.ts';
import type { TurnQueue } from './turn-queue.ts';

// Kept importable from here, where it used to live.
export { defaultRetryDelayMs } from './retry-delay.ts';

/** Options of the embedded, in-process queue. */
export interface InProcessTurnQueueOptions {
  /** Sessions processed at once. */
  concurrency: number;
  /** Last committed seq of a session (from the history store), so numbering continues across restarts. */
  committedSeq(sessionId: string): Promise<number>;
  /** A scope's forget mark (the history store's `scopeForgottenBefore`): earlier turns of it are dropped unrun. */
  forgottenBefore?: (scopeId: string) => Promise<number>;
  /** Runs of one turn before the processor must settle it. */
  maxAttempts: number;
  /** Turns a session may run back to back before others get a go. */
  turnsPerSlice?: number;
  /** Delay before re-running a turn whose processor threw. */
  retryDelayMs?: (attempt: number) => number;
  /** How long a finished session's seen turn ids are remembered for de-duplication. */
  dedupWindowMs?: number;
  /** Logger. */
  logger: Logger;
}

/**
 * The embedded default: turns are ordered per session and run in parallel across sessions inside this
 * process. Nothing survives a restart except what the history store keeps. It needs no retention option: idle
 * sessions are forgotten once past the de-duplication window (see in-process-session-table.ts), and numbering
 * then resumes from the store's committed seq.
 */
export function createInProcessTurnQueue(options: InProcessTurnQueueOptions): TurnQueue {
  const sessions = createSessionTable(options.dedupWindowMs ?? 10 * 60_000);
  const runner = createSessionRunner({
    sessions,
    concurrency: options.concurrency,
    maxAttempts: options.maxAttempts,
    turnsPerSlice: options.turnsPerSlice ?? DEFAULT_TURNS_PER_SLICE,
    retryDelayMs: options.retryDelayMs ?? defaultRetryDelayMs,
    forgottenBefore: options.forgottenBefore,
    logger: options.logger,
  });

  return {
    async enqueue(turn) {
      if (runner.isClosing()) throw new Error('queue is closing');
      const session = sessions.stateOf(turn.sessionId);
      const result = await enqueueInProcess(session, turn, options.committedSeq);
      if (result.accepted) runner.schedule(turn.sessionId, session);
      return result;
    },
    async process(processor) {
      runner.start(processor);
    },
    async pendingCount() {
      return sessions.pendingCount();
    },
    close: async ({ timeoutMs = 10_000 } = {}) => runner.close(timeoutMs),
  };
}

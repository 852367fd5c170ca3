import type { Logger } from '../app/logger.ts';
import type { Turn } from '../turn/turn.ts';
import { completesWithin } from './completes-within.ts';
import {
  type InProcessSession,
  inProcessTurnAttempts,
  type SessionTable,
} from './in-process-session-table.ts';
import { runSlice, type SliceStep } from './run-slice.ts';
import { runTurnAttempt } from './run-turn-attempt.ts';
import { MAX_WAITING_REPORTED, type TurnProcessor } from './turn-queue.ts';

/** How the in-process queue runs its sessions. */
export interface SessionRunnerOptions {
  /** The sessions. */
  sessions: SessionTable;
  /** Sessions run at once. */
  concurrency: number;
  /** Runs of one turn before the processor must settle it. */
  maxAttempts: number;
  /** Turns a session may run back to back before others get a go. */
  turnsPerSlice: number;
  /** Delay before re-running a turn whose processor threw. */
  retryDelayMs(attempt: number): number;
  /** A scope's forget mark, if the queue honours `/forget`: earlier turns of the scope are dropped unrun. */
  forgottenBefore?: ((scopeId: string) => Promise<number>) | undefined;
  /** Logger. */
  logger: Logger;
}

/** Runs sessions with waiting turns, a slice at a time, up to `concurrency` at once. */
export interface SessionRunner {
  /** Puts a session with waiting turns at the end of the ready line (once) and starts what capacity allows. */
  schedule(sessionId: string, session: InProcessSession): void;
  /** Starts running turns with `processor`. */
  start(processor: TurnProcessor): void;
  /** True once `close` began. */
  isClosing(): boolean;
  /** Starts no more turns, cancels pending retries and waits up to `timeoutMs` for the running slices. */
  close(timeoutMs: number): Promise<void>;
}

/** The scheduler of the in-process queue: a ready line of sessions, slices in flight, retry timers. */
export function createSessionRunner(options: SessionRunnerOptions): SessionRunner {
  const { sessions } = options;
  const ready: string[] = [];
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let processor: TurnProcessor | undefined;
  let closing = false;
  let active = 0;

  const schedule = (sessionId: string, session: InProcessSession) => {
    if (session.scheduled || session.entries.length === 0) return;
    session.scheduled = true;
    ready.push(sessionId);
    pump();
  };
  const pump = () => {
    while (processor && !closing && active < options.concurrency && ready.length > 0) {
      const sessionId = ready.shift()!;
      active += 1;
      const slice = drain(sessionId, processor).finally(() => {
        active -= 1;
        running.delete(slice);
        pump();
      });
      running.add(slice);
    }
  };
  // A failed turn keeps its session scheduled while it waits, so nothing else runs the session meanwhile.
  const retryLater = (sessionId: string, session: InProcessSession, attempt: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      session.scheduled = false;
      schedule(sessionId, session);
    }, options.retryDelayMs(attempt));
    timers.add(timer);
  };
  const drain = async (sessionId: string, run: TurnProcessor) => {
    const session = sessions.get(sessionId)!;
    const end = await runSlice({
      turnsPerSlice: options.turnsPerSlice,
      isClosing: () => closing,
      step: () =>
        runHead(sessionId, session, run, options, (attempt) => retryLater(sessionId, session, attempt)),
    });
    if (end === 'stopped') return;
    session.scheduled = false;
    // Yield after a slice so a chatty session cannot starve the others: it goes to the back of the line.
    schedule(sessionId, session);
    sessions.forgetIdle();
  };

  return {
    schedule,
    start(run) {
      processor = run;
      pump();
    },
    isClosing: () => closing,
    async close(timeoutMs) {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await completesWithin(Promise.allSettled([...running]), timeoutMs);
    },
  };
}

/**
 * Runs the session's head turn once and drops it when the processor finished it. A failed run stops the slice:
 * `retryLater` brings the session back after the delay, head unchanged.
 */
async function runHead(
  sessionId: string,
  session: InProcessSession,
  processor: TurnProcessor,
  options: SessionRunnerOptions,
  retryLater: (attempt: number) => void,
): Promise<SliceStep> {
  const head = session.entries[0];
  if (!head) return 'empty';
  session.lastActivity = Date.now();
  if (await receivedBeforeForget(head.turn, options)) {
    options.logger.info(
      { sessionId, seq: head.seq },
      'dropping a turn received before its channel was forgotten',
    );
    dropHead(session);
    return 'processed';
  }
  const { succeeded, attempt } = await runTurnAttempt({
    sessionId,
    turn: head.turn,
    seq: head.seq,
    maxAttempts: options.maxAttempts,
    attempts: inProcessTurnAttempts(session),
    processor,
    logger: options.logger,
    waiting: async () =>
      session.entries.slice(1, 1 + MAX_WAITING_REPORTED).map(({ seq, turn }) => ({ seq, turn })),
  });
  if (!succeeded) {
    retryLater(attempt);
    return 'stopped';
  }
  dropHead(session);
  return 'processed';
}

function dropHead(session: InProcessSession): void {
  session.entries.shift();
  session.attempts = 0;
  session.replies = [];
}

/** Whether the turn arrived before its scope was forgotten (`/forget` of its channel): it must not be run. */
async function receivedBeforeForget(
  turn: Turn,
  { forgottenBefore }: Pick<SessionRunnerOptions, 'forgottenBefore'>,
): Promise<boolean> {
  if (!forgottenBefore) return false;
  // Written so that a turn without a usable receipt time is run, never dropped.
  return turn.receivedAt < (await forgottenBefore(turn.scopeId ?? turn.sessionId));
}

import type { Logger } from '../app/logger.ts';
import type { PostedMessage } from '../turn/reply-channel.ts';
import type { Turn } from '../turn/turn.ts';
import type { EnqueueResult, TurnProcessor, TurnQueue } from './turn-queue.ts';

/** Options of the embedded, in-process queue. */
export interface InProcessTurnQueueOptions {
  /** Sessions processed at once. */
  concurrency: number;
  /** Last committed seq of a session (from the history store), so numbering continues across restarts. */
  committedSeq(sessionId: string): Promise<number>;
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

interface SessionState {
  entries: Array<{ seq: number; turn: Turn }>;
  nextSeq: Promise<number> | undefined;
  seen: Map<string, number>;
  scheduled: boolean;
  attempts: number;
  replies: PostedMessage[];
  lastActivity: number;
}

const SEEN_PER_SESSION = 512;

/** Exponential backoff from 500 ms, capped at 30 s. */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
}

/**
 * The embedded default: turns are ordered per session and run in parallel across sessions inside this
 * process. Nothing survives a restart except what the history store keeps.
 */
export function createInProcessTurnQueue(options: InProcessTurnQueueOptions): TurnQueue {
  const turnsPerSlice = options.turnsPerSlice ?? 5;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const dedupWindowMs = options.dedupWindowMs ?? 10 * 60_000;
  const sessions = new Map<string, SessionState>();
  const ready: string[] = [];
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let processor: TurnProcessor | undefined;
  let closing = false;
  let active = 0;

  const stateOf = (sessionId: string): SessionState => {
    let state = sessions.get(sessionId);
    if (!state) {
      state = {
        entries: [],
        nextSeq: undefined,
        seen: new Map(),
        scheduled: false,
        attempts: 0,
        replies: [],
        lastActivity: Date.now(),
      };
      sessions.set(sessionId, state);
    }
    return state;
  };

  const schedule = (sessionId: string, state: SessionState) => {
    if (state.scheduled || state.entries.length === 0) return;
    state.scheduled = true;
    ready.push(sessionId);
    pump();
  };

  const pump = () => {
    while (processor && !closing && active < options.concurrency && ready.length > 0) {
      const sessionId = ready.shift()!;
      active += 1;
      const slice = runSlice(sessionId, processor).finally(() => {
        active -= 1;
        running.delete(slice);
        pump();
      });
      running.add(slice);
    }
  };

  const runSlice = async (sessionId: string, run: TurnProcessor) => {
    const state = sessions.get(sessionId)!;
    for (let done = 0; done < turnsPerSlice && !closing; done++) {
      const head = state.entries[0];
      if (!head) break;
      state.attempts += 1;
      state.lastActivity = Date.now();
      try {
        await run({
          turn: head.turn,
          seq: head.seq,
          attempt: state.attempts,
          maxAttempts: options.maxAttempts,
          previousReplies: state.replies,
          recordReplies: async (posted) => {
            state.replies = [...posted];
          },
        });
      } catch (error) {
        options.logger.warn(
          { sessionId, seq: head.seq, attempt: state.attempts, err: error },
          'turn failed; it will be retried',
        );
        const timer = setTimeout(() => {
          timers.delete(timer);
          state.scheduled = false;
          schedule(sessionId, state);
        }, retryDelayMs(state.attempts));
        timers.add(timer);
        return;
      }
      state.entries.shift();
      state.attempts = 0;
      state.replies = [];
    }
    state.scheduled = false;
    // Yield after a slice so a chatty session cannot starve the others: it goes to the back of the line.
    schedule(sessionId, state);
    forgetIdleSessions();
  };

  // The sweep walks every session, so it runs at most once a minute rather than after every slice.
  let lastSweep = 0;
  const forgetIdleSessions = () => {
    if (sessions.size < 1_000 || Date.now() - lastSweep < 60_000) return;
    lastSweep = Date.now();
    const cutoff = Date.now() - dedupWindowMs;
    for (const [sessionId, state] of sessions) {
      if (state.entries.length === 0 && !state.scheduled && state.lastActivity < cutoff)
        sessions.delete(sessionId);
    }
  };

  return {
    async enqueue(turn: Turn): Promise<EnqueueResult> {
      if (closing) throw new Error('queue is closing');
      const state = stateOf(turn.sessionId);
      if (state.seen.has(turn.id)) return { accepted: false, seq: undefined };
      state.seen.set(turn.id, Date.now());
      if (state.seen.size > SEEN_PER_SESSION) state.seen.delete(state.seen.keys().next().value!);
      // Numbering continues from the store's last committed seq; the chain keeps concurrent enqueues ordered.
      const previous = state.nextSeq ?? options.committedSeq(turn.sessionId);
      const seqPromise = previous.then((last) => last + 1);
      state.nextSeq = seqPromise;
      let seq: number;
      try {
        seq = await seqPromise;
      } catch (error) {
        state.seen.delete(turn.id);
        state.nextSeq = undefined;
        throw error;
      }
      state.entries.push({ seq, turn });
      state.lastActivity = Date.now();
      schedule(turn.sessionId, state);
      return { accepted: true, seq };
    },

    async process(run: TurnProcessor): Promise<void> {
      processor = run;
      pump();
    },

    async pendingCount(): Promise<number> {
      let count = 0;
      for (const state of sessions.values()) count += state.entries.length;
      return count;
    },

    async close({ timeoutMs = 10_000 } = {}): Promise<void> {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => {
          timeout = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timeout);
    },
  };
}

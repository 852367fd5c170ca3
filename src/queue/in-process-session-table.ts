import type { PostedMessage } from '../turn/reply-channel.ts';
import type { Turn } from '../turn/turn.ts';
import type { TurnAttempts } from './run-turn-attempt.ts';

/** Turn ids remembered per session for de-duplication; a platform retries within seconds, not hundreds of turns. */
export const SEEN_PER_SESSION = 512;
/** Below this many sessions the idle ones are not worth a sweep. */
export const IDLE_SWEEP_MIN_SESSIONS = 1_000;
/** The sweep walks every session, so it runs at most this often rather than after every slice. */
export const IDLE_SWEEP_INTERVAL_MS = 60_000;

/** What the in-process queue keeps of one session. */
export interface InProcessSession {
  /** Turns waiting, head first. */
  entries: Array<{ seq: number; turn: Turn }>;
  /** The latest seq handed out, as a chain so concurrent enqueues are numbered in order; unset until the first. */
  nextSeq: Promise<number> | undefined;
  /** Turn ids seen recently, oldest first (value: when), for de-duplication. */
  seen: Map<string, number>;
  /** True while the session waits in the ready line, runs, or waits to retry. */
  scheduled: boolean;
  /** Runs of the head turn so far. */
  attempts: number;
  /** Messages posted for the head turn. */
  replies: PostedMessage[];
  /** When the session last took or ran a turn. */
  lastActivity: number;
}

/** Every session the in-process queue knows. */
export interface SessionTable {
  /** The session, created on first use. */
  stateOf(sessionId: string): InProcessSession;
  /** The session, if known. */
  get(sessionId: string): InProcessSession | undefined;
  /** Forgets sessions idle for longer than the de-duplication window (throttled; cheap to call often). */
  forgetIdle(): void;
  /** Turns waiting across all sessions. */
  pendingCount(): number;
}

/** The sessions of one in-process queue; idle ones are forgotten once `dedupWindowMs` has passed. */
export function createSessionTable(dedupWindowMs: number, now: () => number = Date.now): SessionTable {
  const sessions = new Map<string, InProcessSession>();
  let lastSweep = Number.NEGATIVE_INFINITY;
  return {
    stateOf(sessionId) {
      let session = sessions.get(sessionId);
      if (!session) {
        session = {
          entries: [],
          nextSeq: undefined,
          seen: new Map(),
          scheduled: false,
          attempts: 0,
          replies: [],
          lastActivity: now(),
        };
        sessions.set(sessionId, session);
      }
      return session;
    },
    get: (sessionId) => sessions.get(sessionId),
    forgetIdle() {
      if (sessions.size < IDLE_SWEEP_MIN_SESSIONS || now() - lastSweep < IDLE_SWEEP_INTERVAL_MS) return;
      lastSweep = now();
      const cutoff = now() - dedupWindowMs;
      for (const [sessionId, session] of sessions) {
        if (session.entries.length === 0 && !session.scheduled && session.lastActivity < cutoff)
          sessions.delete(sessionId);
      }
    },
    pendingCount() {
      let count = 0;
      for (const session of sessions.values()) count += session.entries.length;
      return count;
    },
  };
}

/** Remembers `turnId` as seen; false if it already was. Only the latest `limit` ids are kept. */
export function rememberTurnId(
  seen: Map<string, number>,
  turnId: string,
  limit = SEEN_PER_SESSION,
  now = Date.now(),
): boolean {
  if (seen.has(turnId)) return false;
  seen.set(turnId, now);
  if (seen.size > limit) seen.delete(seen.keys().next().value!);
  return true;
}

/** The head turn's runs and replies, kept on the session itself (only the head is ever run). */
export function inProcessTurnAttempts(session: InProcessSession): TurnAttempts {
  return {
    async begin() {
      session.attempts += 1;
      return { attempt: session.attempts, previousReplies: session.replies };
    },
    async record(_seq, posted) {
      session.replies = [...posted];
    },
  };
}

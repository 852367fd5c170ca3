import type { UsageCounters } from '../usage/usage-counters.ts';
import type { StoredImage, StoredMessage } from './history-store.ts';
import { createMemoryForgetMarks } from './memory-forget-marks.ts';
import { createMemorySessionIndex, type MemorySessionIndex } from './memory-session-index.ts';

/** Everything kept for one session; cost is in integer micro-USD so sums are exact, as in Redis. */
export interface MemorySession {
  /** The history, oldest first. */
  messages: StoredMessage[];
  /** Channel persona, if set. */
  persona?: string;
  /** Channel tool switches, if set. */
  tools?: string;
  /** The conversation's model (catalogue entry name), if picked. */
  model?: string;
  /** Rolling summary, if any. */
  summary?: string;
  /** Responses API chain to continue, if any. */
  responseId?: string;
  /** Scope the session was last committed under (to leave it on `forget`). */
  scopeId?: string;
  /** Images kept by `putImage`, by sha256 (dropped by `forget`, `clear` and a reset commit). */
  images?: Map<string, StoredImage>;
  /** Set by `follow`: the bot takes part in the conversation (kept by `/reset`, dropped by `forget`). */
  followed?: boolean;
  /** Usage totals: prompt tokens. */
  promptTokens: number;
  /** Usage totals: completion tokens. */
  completionTokens: number;
  /** Usage totals: cost in micro-USD. */
  costMicroUsd: number;
  /** Usage totals: model calls. */
  calls: number;
  /** Sum of the messages' tokens. */
  historyTokens: number;
  /** Last committed turn, ms since epoch (0 if none). */
  lastActiveAt: number;
  /** Highest committed turn seq (0 if none). */
  committedSeq: number;
  /** When retention drops the session (ms since epoch); infinite without retention. */
  expiresAt: number;
}

/** The sessions of one memory store, with retention and the session index. */
export interface MemorySessions {
  /** The store's clock, ms since epoch. */
  now(): number;
  /** The index of committed sessions and scopes. */
  index: MemorySessionIndex;
  /** The session's state; `undefined` when absent or expired (an expired one is dropped on the way). */
  find(sessionId: string): MemorySession | undefined;
  /** The session's state, created empty when absent. */
  obtain(sessionId: string): MemorySession;
  /** Stores `state` as the session's (a fresh state replacing the old one). */
  put(sessionId: string, state: MemorySession): void;
  /** Restarts the session's retention clock (every write does, as PEXPIRE does in Redis). */
  touch(state: MemorySession): void;
  /** Deletes the session and its index entries. */
  drop(sessionId: string, state: MemorySession): void;
  /** Drops every expired session and listing entry. */
  sweep(): void;
  /** Sweeps if the last sweep is more than a minute old (what a commit does now and then). */
  sweepIfDue(): void;
  /** Whether anything beyond the committed seq (kept by `forget`) is stored. */
  stored(sessionId: string): boolean;
  /** The scope's forget mark, 0 if none (or expired). */
  forgottenBefore(scopeId: string): number;
  /** Raises the scope's forget mark to `before` (never lowers it) and restarts its retention clock. */
  markForgotten(scopeId: string, before: number): void;
  /** A commit under `scopeId`: restarts the retention clock of the scope's session and mark, if stored. */
  renewScope(scopeId: string): void;
}

/** How often, at most, a commit sweeps expired sessions out of memory. */
const SWEEP_INTERVAL_MS = 60_000;

/** An empty set of sessions; `ttlMs` 0 keeps them forever. */
export function createMemorySessions(ttlMs: number, now: () => number): MemorySessions {
  const sessions = new Map<string, MemorySession>();
  const marks = createMemoryForgetMarks(ttlMs, now);
  const index = createMemorySessionIndex();
  let lastSweep = Number.NEGATIVE_INFINITY;

  const drop = (sessionId: string, state: MemorySession) => {
    sessions.delete(sessionId);
    index.remove(sessionId, state.scopeId);
  };
  const find = (sessionId: string): MemorySession | undefined => {
    const state = sessions.get(sessionId);
    if (state && now() >= state.expiresAt) {
      drop(sessionId, state);
      return undefined;
    }
    return state;
  };
  const touch = (state: MemorySession) => {
    state.expiresAt = ttlMs > 0 ? now() + ttlMs : Number.POSITIVE_INFINITY;
  };
  const sweep = () => {
    if (ttlMs === 0) return;
    lastSweep = now();
    for (const sessionId of [...sessions.keys()]) find(sessionId);
    marks.sweep();
    index.pruneListing(lastSweep - ttlMs);
  };

  return {
    now,
    index,
    find,
    obtain(sessionId) {
      let state = find(sessionId);
      if (!state) {
        state = emptySession(0);
        sessions.set(sessionId, state);
      }
      return state;
    },
    put(sessionId, state) {
      sessions.set(sessionId, state);
    },
    touch,
    drop,
    sweep,
    sweepIfDue() {
      if (now() - lastSweep >= SWEEP_INTERVAL_MS) sweep();
    },
    stored(sessionId) {
      const state = find(sessionId);
      if (!state) return false;
      const text = [state.persona, state.tools, state.model, state.summary, state.responseId, state.scopeId];
      const counters = [state.calls, state.historyTokens, state.lastActiveAt];
      // As in Redis, where the mark is a field of the meta hash.
      return (
        state.messages.length > 0 ||
        state.followed === true ||
        text.some((value) => value !== undefined) ||
        counters.some((value) => value > 0)
      );
    },
    forgottenBefore: marks.get,
    markForgotten: marks.raise,
    renewScope(scopeId) {
      const state = find(scopeId);
      if (state) touch(state);
      marks.renew(scopeId);
    },
  };
}

/** A session with nothing stored but `committedSeq` (0 for a new one; what `forget` keeps otherwise). */
export function emptySession(committedSeq: number): MemorySession {
  return {
    messages: [],
    promptTokens: 0,
    completionTokens: 0,
    costMicroUsd: 0,
    calls: 0,
    historyTokens: 0,
    lastActiveAt: 0,
    committedSeq,
    expiresAt: Number.POSITIVE_INFINITY,
  };
}

/** Empties the conversation — history, summary, response chain, images — keeping persona, usage and seq. */
export function clearConversation(state: MemorySession): void {
  state.messages = [];
  delete state.images;
  state.historyTokens = 0;
  delete state.summary;
  delete state.responseId;
}

/** Adds one model call's usage to the session's totals. */
export function addUsage(state: MemorySession, usage: UsageCounters | undefined): void {
  if (!usage) return;
  state.promptTokens += usage.promptTokens;
  state.completionTokens += usage.completionTokens;
  state.costMicroUsd += usage.costMicroUsd;
  state.calls += 1;
}

import { checkCount, checkSeq, checkUsage, limit, retentionMs, sumTokens } from './argument-checks.ts';
import type {
  Compaction,
  HistoryStore,
  LoadOptions,
  SessionListing,
  SessionMeta,
  StoredMessage,
  TurnCommit,
  UsageDelta,
} from './history-store.ts';

/** Options of `createMemoryHistoryStore`. */
export interface MemoryHistoryStoreOptions {
  /** Retention: a session idle (no write) this many days expires; absent keeps sessions forever. */
  historyTtlDays?: number;
  /** Retention in ms, overriding `historyTtlDays` (for tests). */
  historyTtlMs?: number;
  /** Current time, ms since epoch (`lastActiveAt`, expiry); default `Date.now`. */
  now?: () => number;
}

/** Everything kept for one session; cost is in integer micro-USD so sums are exact, as in Redis. */
interface SessionState {
  messages: StoredMessage[];
  persona?: string;
  summary?: string;
  responseId?: string;
  /** Scope the session was last committed under (to leave it on `forget`). */
  scopeId?: string;
  promptTokens: number;
  completionTokens: number;
  costMicroUsd: number;
  calls: number;
  historyTokens: number;
  lastActiveAt: number;
  committedSeq: number;
  /** When retention drops the session (ms since epoch); infinite without retention. */
  expiresAt: number;
}

/** How often, at most, a commit sweeps expired sessions out of memory. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The embedded default: history kept in this process only (nothing survives a restart). Same semantics as
 * the Redis store, expiry included: an expired session disappears when next touched, and every listing (and
 * a commit now and then) sweeps the rest. Messages are deep-copied on the way in and out so callers never
 * share stored objects.
 */
export function createMemoryHistoryStore(options: MemoryHistoryStoreOptions = {}): HistoryStore {
  const ttlMs = retentionMs(options);
  const now = options.now ?? Date.now;
  const sessions = new Map<string, SessionState>();
  /** Session -> last committed turn, as the Redis index (a session is listed once it has a commit). */
  const activity = new Map<string, number>();
  const scopes = new Map<string, Set<string>>();
  let lastSweep = Number.NEGATIVE_INFINITY;

  const leaveScope = (sessionId: string, scopeId: string | undefined) => {
    if (scopeId === undefined) return;
    const members = scopes.get(scopeId);
    members?.delete(sessionId);
    if (members?.size === 0) scopes.delete(scopeId);
  };
  const drop = (sessionId: string, state: SessionState) => {
    sessions.delete(sessionId);
    activity.delete(sessionId);
    leaveScope(sessionId, state.scopeId);
  };
  const existing = (sessionId: string): SessionState | undefined => {
    const state = sessions.get(sessionId);
    if (state && now() >= state.expiresAt) {
      drop(sessionId, state);
      return undefined;
    }
    return state;
  };
  const session = (sessionId: string): SessionState => {
    let state = existing(sessionId);
    if (!state) {
      state = { ...emptyState(), committedSeq: 0 };
      sessions.set(sessionId, state);
    }
    return state;
  };
  /** Every write restarts the session's retention clock (as PEXPIRE does in Redis). */
  const touch = (state: SessionState) => {
    state.expiresAt = ttlMs > 0 ? now() + ttlMs : Number.POSITIVE_INFINITY;
  };
  const sweep = () => {
    if (ttlMs === 0) return;
    lastSweep = now();
    for (const sessionId of [...sessions.keys()]) existing(sessionId);
    for (const [sessionId, at] of activity) if (at <= lastSweep - ttlMs) activity.delete(sessionId);
  };
  /** Whether anything beyond the committed seq (kept by `forget`) is stored. */
  const stored = (sessionId: string): boolean => {
    const state = existing(sessionId);
    if (!state) return false;
    const text = [state.persona, state.summary, state.responseId, state.scopeId];
    const counters = [state.calls, state.historyTokens, state.lastActiveAt];
    return (
      state.messages.length > 0 ||
      text.some((value) => value !== undefined) ||
      counters.some((value) => value > 0)
    );
  };
  const addUsage = (state: SessionState, usage: UsageDelta | undefined, costMicroUsd: number) => {
    if (!usage) return;
    state.promptTokens += usage.promptTokens;
    state.completionTokens += usage.completionTokens;
    state.costMicroUsd += costMicroUsd;
    state.calls += 1;
  };

  return {
    async load(sessionId: string, loadOptions: LoadOptions = {}): Promise<StoredMessage[]> {
      const messages = existing(sessionId)?.messages ?? [];
      return structuredClone(newestWithin(messages, loadOptions));
    },

    async append(sessionId: string, messages: StoredMessage[]): Promise<void> {
      if (messages.length === 0) return;
      const tokens = sumTokens(messages);
      const state = session(sessionId);
      state.messages.push(...structuredClone(messages));
      state.historyTokens += tokens;
      touch(state);
    },

    async replace(sessionId: string, messages: StoredMessage[]): Promise<void> {
      const tokens = sumTokens(messages);
      const state = session(sessionId);
      state.messages = structuredClone(messages);
      state.historyTokens = tokens;
      touch(state);
    },

    async clear(sessionId: string): Promise<void> {
      const state = existing(sessionId);
      if (!state) return;
      state.messages = [];
      state.historyTokens = 0;
      delete state.summary;
      delete state.responseId;
    },

    async count(sessionId: string): Promise<number> {
      return existing(sessionId)?.messages.length ?? 0;
    },

    async getMeta(sessionId: string): Promise<SessionMeta> {
      const state = existing(sessionId);
      const meta: SessionMeta = {
        usage: {
          promptTokens: state?.promptTokens ?? 0,
          completionTokens: state?.completionTokens ?? 0,
          costUsd: (state?.costMicroUsd ?? 0) / 1_000_000,
          calls: state?.calls ?? 0,
        },
        lastActiveAt: state?.lastActiveAt ?? 0,
        historyTokens: state?.historyTokens ?? 0,
      };
      if (state?.persona !== undefined) meta.persona = state.persona;
      if (state?.summary !== undefined) meta.summary = state.summary;
      if (state?.responseId !== undefined) meta.responseId = state.responseId;
      return meta;
    },

    async setMeta(sessionId, patch): Promise<void> {
      const fields = ['persona', 'summary', 'responseId'] as const;
      if (fields.every((field) => patch[field] === undefined)) return;
      const state = session(sessionId);
      for (const field of fields) {
        const value = patch[field];
        if (value === null) delete state[field];
        else if (value !== undefined) state[field] = value;
      }
      touch(state);
    },

    async loadOldest(sessionId: string, count: number): Promise<StoredMessage[]> {
      const wanted = checkCount('count', count);
      return structuredClone((existing(sessionId)?.messages ?? []).slice(0, wanted));
    },

    async compact(sessionId: string, compaction: Compaction): Promise<boolean> {
      const { dropCount, droppedTokens } = compaction;
      if (!Number.isSafeInteger(dropCount) || dropCount < 1) {
        throw new RangeError(`dropCount must be a positive integer, got ${dropCount}`);
      }
      if (!Number.isSafeInteger(droppedTokens) || droppedTokens < 0) {
        throw new RangeError(`droppedTokens must be a non-negative integer, got ${droppedTokens}`);
      }
      const costMicroUsd = compaction.usage ? checkUsage(compaction.usage).costMicroUsd : 0;
      const state = existing(sessionId);
      const stillThere = state?.messages[dropCount - 1];
      // Compared as serialised, exactly as the Redis store compares the stored bytes.
      if (!state || !stillThere || JSON.stringify(stillThere) !== JSON.stringify(compaction.lastDropped)) {
        return false;
      }
      state.messages.splice(0, dropCount);
      state.summary = compaction.summary;
      state.historyTokens = Math.max(0, state.historyTokens - droppedTokens);
      addUsage(state, compaction.usage, costMicroUsd);
      touch(state);
      return true;
    },

    async forget(sessionId: string): Promise<void> {
      const state = existing(sessionId);
      if (!state) return;
      drop(sessionId, state);
      // Only the committed seq stays, so a replayed turn is still recognised.
      if (state.committedSeq === 0) return;
      const kept: SessionState = { ...emptyState(), committedSeq: state.committedSeq };
      touch(kept);
      sessions.set(sessionId, kept);
    },

    async listSessions(listOptions: { limit?: number } = {}): Promise<SessionListing[]> {
      const wanted = checkCount('limit', listOptions.limit ?? Number.POSITIVE_INFINITY);
      sweep();
      return [...activity]
        .sort(([leftId, left], [rightId, right]) => right - left || (leftId < rightId ? 1 : -1))
        .slice(0, wanted)
        .map(([sessionId, lastActiveAt]) => ({ sessionId, lastActiveAt }));
    },

    async sessionsInScope(scopeId: string): Promise<string[]> {
      const members = [...(scopes.get(scopeId) ?? [])].filter((member) => member !== scopeId).sort();
      return [scopeId, ...members].filter(stored);
    },

    async commitTurn(sessionId: string, commit: TurnCommit): Promise<boolean> {
      // Validate everything before touching state, so a bad commit changes nothing (as the Lua script).
      checkSeq(commit.seq);
      const costMicroUsd = commit.usage ? checkUsage(commit.usage).costMicroUsd : 0;
      const addedTokens = sumTokens(commit.messages);
      const messages = structuredClone(commit.messages);
      if (now() - lastSweep >= SWEEP_INTERVAL_MS) sweep();
      let state = session(sessionId);
      if (commit.seq <= state.committedSeq) return false;
      const previousScope = state.scopeId;
      if (commit.forget) {
        state = { ...emptyState(), committedSeq: state.committedSeq };
        sessions.set(sessionId, state);
      } else if (commit.clear) {
        state.messages = [];
        state.historyTokens = 0;
        delete state.summary;
        delete state.responseId;
      }
      addUsage(state, commit.usage, costMicroUsd);
      state.messages.push(...messages);
      state.historyTokens += addedTokens;
      if (commit.responseId === null) delete state.responseId;
      else if (commit.responseId !== undefined) state.responseId = commit.responseId;
      const scopeId =
        commit.scopeId !== undefined && commit.scopeId !== sessionId ? commit.scopeId : undefined;
      if (scopeId !== undefined) state.scopeId = scopeId;
      state.lastActiveAt = now();
      state.committedSeq = commit.seq;
      touch(state);
      activity.set(sessionId, state.lastActiveAt);
      if (commit.forget && previousScope !== scopeId) leaveScope(sessionId, previousScope);
      if (scopeId !== undefined) {
        const members = scopes.get(scopeId) ?? new Set<string>();
        members.add(sessionId);
        scopes.set(scopeId, members);
      }
      return true;
    },

    async committedSeq(sessionId: string): Promise<number> {
      return existing(sessionId)?.committedSeq ?? 0;
    },

    async close(): Promise<void> {},
  };
}

function emptyState(): Omit<SessionState, 'committedSeq'> {
  return {
    messages: [],
    promptTokens: 0,
    completionTokens: 0,
    costMicroUsd: 0,
    calls: 0,
    historyTokens: 0,
    lastActiveAt: 0,
    expiresAt: Number.POSITIVE_INFINITY,
  };
}

/** The newest messages within both limits, oldest first; walks back from the tail only as far as needed. */
function newestWithin(messages: StoredMessage[], { maxTokens, maxMessages }: LoadOptions): StoredMessage[] {
  const messageLimit = Math.floor(limit('maxMessages', maxMessages));
  const tokenLimit = limit('maxTokens', maxTokens);
  let start = messages.length;
  let tokens = 0;
  while (start > 0 && messages.length - start < messageLimit) {
    const candidate = messages[start - 1]!;
    if (tokens + candidate.tokens > tokenLimit) break;
    tokens += candidate.tokens;
    start -= 1;
  }
  return messages.slice(start);
}

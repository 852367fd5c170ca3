import type {
  HistoryStore,
  LoadOptions,
  SessionMeta,
  StoredMessage,
  TurnCommit,
  UsageDelta,
} from './history-store.ts';

/** Everything kept for one session; cost is in integer micro-USD so sums are exact, as in Redis. */
interface SessionState {
  messages: StoredMessage[];
  persona?: string;
  summary?: string;
  promptTokens: number;
  completionTokens: number;
  costMicroUsd: number;
  calls: number;
  lastActiveAt: number;
  committedSeq: number;
}

/**
 * The embedded default: history kept in this process only (nothing survives a restart). Same semantics as
 * the Redis store; messages are deep-copied on the way in and out so callers never share stored objects.
 */
export function createMemoryHistoryStore(): HistoryStore {
  const sessions = new Map<string, SessionState>();

  const existing = (sessionId: string): SessionState | undefined => sessions.get(sessionId);
  const session = (sessionId: string): SessionState => {
    let state = sessions.get(sessionId);
    if (!state) {
      state = {
        messages: [],
        promptTokens: 0,
        completionTokens: 0,
        costMicroUsd: 0,
        calls: 0,
        lastActiveAt: 0,
        committedSeq: 0,
      };
      sessions.set(sessionId, state);
    }
    return state;
  };

  return {
    async load(sessionId: string, options: LoadOptions = {}): Promise<StoredMessage[]> {
      const messages = existing(sessionId)?.messages ?? [];
      return structuredClone(newestWithin(messages, options));
    },

    async append(sessionId: string, messages: StoredMessage[]): Promise<void> {
      if (messages.length === 0) return;
      session(sessionId).messages.push(...structuredClone(messages));
    },

    async replace(sessionId: string, messages: StoredMessage[]): Promise<void> {
      session(sessionId).messages = structuredClone(messages);
    },

    async clear(sessionId: string): Promise<void> {
      const state = existing(sessionId);
      if (!state) return;
      state.messages = [];
      delete state.summary;
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
      };
      if (state?.persona !== undefined) meta.persona = state.persona;
      if (state?.summary !== undefined) meta.summary = state.summary;
      return meta;
    },

    async setMeta(sessionId, patch): Promise<void> {
      if (patch.persona === undefined && patch.summary === undefined) return;
      const state = session(sessionId);
      if (patch.persona === null) delete state.persona;
      else if (patch.persona !== undefined) state.persona = patch.persona;
      if (patch.summary === null) delete state.summary;
      else if (patch.summary !== undefined) state.summary = patch.summary;
    },

    async commitTurn(sessionId: string, commit: TurnCommit): Promise<boolean> {
      // Validate everything before touching state, so a bad commit changes nothing (as the Lua script).
      checkSeq(commit.seq);
      const costMicroUsd = commit.usage ? checkUsage(commit.usage) : 0;
      const messages = structuredClone(commit.messages);
      const state = session(sessionId);
      if (commit.seq <= state.committedSeq) return false;
      if (commit.clear) {
        state.messages = [];
        delete state.summary;
      }
      state.messages.push(...messages);
      if (commit.usage) {
        state.promptTokens += commit.usage.promptTokens;
        state.completionTokens += commit.usage.completionTokens;
        state.costMicroUsd += costMicroUsd;
        state.calls += 1;
      }
      state.lastActiveAt = Date.now();
      state.committedSeq = commit.seq;
      return true;
    },

    async committedSeq(sessionId: string): Promise<number> {
      return existing(sessionId)?.committedSeq ?? 0;
    },

    async close(): Promise<void> {},
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

/** A load limit; absent means none. */
function limit(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, got NaN`);
  return value;
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`turn seq must be a positive integer, got ${seq}`);
  }
}

/** Checks a usage delta and returns its cost in micro-USD (0 when the price is unknown). */
function checkUsage(usage: UsageDelta): number {
  for (const field of ['promptTokens', 'completionTokens'] as const) {
    const value = usage[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`usage.${field} must be a non-negative integer, got ${value}`);
    }
  }
  if (usage.costUsd === null) return 0;
  if (!Number.isFinite(usage.costUsd) || usage.costUsd < 0) {
    throw new RangeError(`usage.costUsd must be a non-negative number or null, got ${usage.costUsd}`);
  }
  return Math.round(usage.costUsd * 1_000_000);
}

import { checkCount, loadLimit } from './history-arguments.ts';
import type { HistoryStore, LoadOptions, SessionMeta, StoredMessage } from './history-store.ts';
import type { MemorySession, MemorySessions } from './memory-sessions.ts';

/** The reading half of the memory history store: messages, meta, committed seq and the session index. */
export type MemoryHistoryReads = Pick<
  HistoryStore,
  'load' | 'loadOldest' | 'count' | 'getMeta' | 'committedSeq' | 'listSessions' | 'sessionsInScope'
>;

/** Reads of one store; messages are deep-copied on the way out so callers never share stored objects. */
export function createMemoryHistoryReads(sessions: MemorySessions): MemoryHistoryReads {
  return {
    async load(sessionId, loadOptions = {}) {
      const messages = sessions.find(sessionId)?.messages ?? [];
      return structuredClone(newestWithin(messages, loadOptions));
    },

    async loadOldest(sessionId, count) {
      const wanted = checkCount('count', count);
      return structuredClone((sessions.find(sessionId)?.messages ?? []).slice(0, wanted));
    },

    async count(sessionId) {
      return sessions.find(sessionId)?.messages.length ?? 0;
    },

    async getMeta(sessionId) {
      return sessionMetaOf(sessions.find(sessionId));
    },

    async committedSeq(sessionId) {
      return sessions.find(sessionId)?.committedSeq ?? 0;
    },

    async listSessions(listOptions = {}) {
      const wanted = checkCount('limit', listOptions.limit ?? Number.POSITIVE_INFINITY);
      sessions.sweep();
      return sessions.index.list(wanted);
    },

    async sessionsInScope(scopeId) {
      return [scopeId, ...sessions.index.scopeMembers(scopeId)].filter(sessions.stored);
    },
  };
}

/** The newest messages within both limits, oldest first; walks back from the tail only as far as needed. */
function newestWithin(messages: StoredMessage[], { maxTokens, maxMessages }: LoadOptions): StoredMessage[] {
  const messageLimit = Math.floor(loadLimit('maxMessages', maxMessages));
  const tokenLimit = loadLimit('maxTokens', maxTokens);
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

/** A session's meta; the defaults (zero usage) for an unknown session. */
function sessionMetaOf(state: MemorySession | undefined): SessionMeta {
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
  if (state?.tools !== undefined) meta.tools = state.tools;
  if (state?.model !== undefined) meta.model = state.model;
  if (state?.summary !== undefined) meta.summary = state.summary;
  if (state?.responseId !== undefined) meta.responseId = state.responseId;
  return meta;
}

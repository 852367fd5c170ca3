import { checkUsage, type UsageCounters } from '../usage/usage-counters.ts';
import { checkDropLast, checkSeq, checkTime, sumTokens } from './history-arguments.ts';
import type { HistoryStore, StoredMessage, TurnCommit } from './history-store.ts';
import { addUsage, clearConversation, emptySession, type MemorySessions } from './memory-sessions.ts';

/** The writes that also move the session in the session index: committing a turn, forgetting, `/forget`. */
export type MemoryIndexedWrites = Pick<
  HistoryStore,
  'commitTurn' | 'forget' | 'forgetScope' | 'scopeForgottenBefore'
>;

/** Commit and forget of one store, with the same semantics as the Redis scripts plus index updates. */
export function createMemoryIndexedWrites(sessions: MemorySessions): MemoryIndexedWrites {
  const forget = (sessionId: string) => {
    const state = sessions.find(sessionId);
    if (!state) return;
    sessions.drop(sessionId, state);
    // Only the committed seq stays, so a replayed turn is still recognised.
    if (state.committedSeq === 0) return;
    const kept = emptySession(state.committedSeq);
    sessions.touch(kept);
    sessions.put(sessionId, kept);
  };

  return {
    async commitTurn(sessionId, commit) {
      // Validate everything before touching state, so a bad commit changes nothing (as the Lua script).
      checkSeq(commit.seq);
      const usage = commit.usage ? checkUsage(commit.usage) : undefined;
      const addedTokens = sumTokens(commit.messages);
      const dropLast = checkDropLast(commit.dropLast);
      if (commit.receivedAt !== undefined) checkTime('receivedAt', commit.receivedAt);
      const messages = structuredClone(commit.messages);
      sessions.sweepIfDue();
      if (commit.seq <= (sessions.find(sessionId)?.committedSeq ?? 0)) return false;
      if (receivedBeforeForget(sessions, sessionId, commit)) {
        // Nothing of a forgotten scope's past is kept; the seq is, so the turn counts as done.
        forget(sessionId);
        const kept = emptySession(commit.seq);
        sessions.touch(kept);
        sessions.put(sessionId, kept);
        return false;
      }
      applyCommit(sessions, sessionId, commit, { usage, addedTokens, dropLast, messages });
      return true;
    },

    async forget(sessionId) {
      forget(sessionId);
    },

    async forgetScope(scopeId, { before }) {
      checkTime('before', before);
      sessions.markForgotten(scopeId, before);
      const candidates = [scopeId, ...sessions.index.scopeMembers(scopeId)];
      const stored = candidates.filter(sessions.stored);
      for (const sessionId of candidates) forget(sessionId);
      return stored;
    },

    async scopeForgottenBefore(scopeId) {
      return sessions.forgottenBefore(scopeId);
    },
  };
}

/** Whether the commit's turn arrived before its scope was forgotten. */
function receivedBeforeForget(sessions: MemorySessions, sessionId: string, commit: TurnCommit): boolean {
  return (
    commit.receivedAt !== undefined &&
    commit.receivedAt < sessions.forgottenBefore(commit.scopeId ?? sessionId)
  );
}

/** Applies a checked commit whose seq is above the committed one. */
function applyCommit(
  sessions: MemorySessions,
  sessionId: string,
  commit: TurnCommit,
  checked: {
    usage: UsageCounters | undefined;
    addedTokens: number;
    dropLast: number;
    messages: StoredMessage[];
  },
): void {
  let state = sessions.obtain(sessionId);
  const previousScope = state.scopeId;
  if (commit.forget) {
    state = emptySession(state.committedSeq);
    sessions.put(sessionId, state);
  } else if (commit.clear) {
    clearConversation(state);
  } else if (checked.dropLast > 0) {
    const dropped = state.messages.splice(Math.max(0, state.messages.length - checked.dropLast));
    const droppedTokens = dropped.reduce((sum, message) => sum + message.tokens, 0);
    state.historyTokens = Math.max(0, state.historyTokens - droppedTokens);
  }
  addUsage(state, checked.usage);
  state.messages.push(...checked.messages);
  state.historyTokens += checked.addedTokens;
  if (commit.responseId === null) delete state.responseId;
  else if (commit.responseId !== undefined) state.responseId = commit.responseId;
  // A session is not a member of its own scope.
  const scopeId = commit.scopeId !== undefined && commit.scopeId !== sessionId ? commit.scopeId : undefined;
  if (scopeId !== undefined) state.scopeId = scopeId;
  state.lastActiveAt = sessions.now();
  state.committedSeq = commit.seq;
  sessions.touch(state);
  if (commit.forget && previousScope !== scopeId) sessions.index.leaveScope(sessionId, previousScope);
  sessions.index.recordCommit(sessionId, state.lastActiveAt, scopeId);
  // The channel's persona lives as long as any of its conversations.
  if (scopeId !== undefined) sessions.renewScope(scopeId);
}

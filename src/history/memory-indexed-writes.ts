import { checkUsage } from '../usage/usage-counters.ts';
import { checkSeq, sumTokens } from './history-arguments.ts';
import type { HistoryStore } from './history-store.ts';
import { addUsage, clearConversation, emptySession, type MemorySessions } from './memory-sessions.ts';

/** The writes that also move the session in the session index: committing a turn and forgetting. */
export type MemoryIndexedWrites = Pick<HistoryStore, 'commitTurn' | 'forget'>;

/** Commit and forget of one store, with the same semantics as the Redis scripts plus index updates. */
export function createMemoryIndexedWrites(sessions: MemorySessions): MemoryIndexedWrites {
  return {
    async commitTurn(sessionId, commit) {
      // Validate everything before touching state, so a bad commit changes nothing (as the Lua script).
      checkSeq(commit.seq);
      const usage = commit.usage ? checkUsage(commit.usage) : undefined;
      const addedTokens = sumTokens(commit.messages);
      const messages = structuredClone(commit.messages);
      sessions.sweepIfDue();
      let state = sessions.obtain(sessionId);
      if (commit.seq <= state.committedSeq) return false;
      const previousScope = state.scopeId;
      if (commit.forget) {
        state = emptySession(state.committedSeq);
        sessions.put(sessionId, state);
      } else if (commit.clear) {
        clearConversation(state);
      }
      addUsage(state, usage);
      state.messages.push(...messages);
      state.historyTokens += addedTokens;
      if (commit.responseId === null) delete state.responseId;
      else if (commit.responseId !== undefined) state.responseId = commit.responseId;
      // A session is not a member of its own scope.
      const scopeId =
        commit.scopeId !== undefined && commit.scopeId !== sessionId ? commit.scopeId : undefined;
      if (scopeId !== undefined) state.scopeId = scopeId;
      state.lastActiveAt = sessions.now();
      state.committedSeq = commit.seq;
      sessions.touch(state);
      if (commit.forget && previousScope !== scopeId) sessions.index.leaveScope(sessionId, previousScope);
      sessions.index.recordCommit(sessionId, state.lastActiveAt, scopeId);
      return true;
    },

    async forget(sessionId) {
      const state = sessions.find(sessionId);
      if (!state) return;
      sessions.drop(sessionId, state);
      // Only the committed seq stays, so a replayed turn is still recognised.
      if (state.committedSeq === 0) return;
      const kept = emptySession(state.committedSeq);
      sessions.touch(kept);
      sessions.put(sessionId, kept);
    },
  };
}

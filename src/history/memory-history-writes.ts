import { checkUsage } from '../usage/usage-counters.ts';
import { checkCompaction, sumTokens } from './history-arguments.ts';
import type { HistoryStore } from './history-store.ts';
import { addUsage, clearConversation, type MemorySessions } from './memory-sessions.ts';

/** Writes outside the turn flow (imports, backfill, persona, summaries); only an import lists the session. */
export type MemoryHistoryWrites = Pick<HistoryStore, 'append' | 'replace' | 'clear' | 'setMeta' | 'compact'>;

/**
 * Writes of one store. Arguments are checked before any state changes, so a bad call changes nothing (as a
 * Lua script refuses before its first write); messages are deep-copied on the way in.
 */
export function createMemoryHistoryWrites(sessions: MemorySessions): MemoryHistoryWrites {
  return {
    async append(sessionId, messages) {
      if (messages.length === 0) return;
      const tokens = sumTokens(messages);
      const state = sessions.obtain(sessionId);
      state.messages.push(...structuredClone(messages));
      state.historyTokens += tokens;
      sessions.touch(state);
    },

    async replace(sessionId, messages, options = {}) {
      const tokens = sumTokens(messages);
      const state = sessions.obtain(sessionId);
      state.messages = structuredClone(messages);
      state.historyTokens = tokens;
      // Listed and in its scope at once, as a commit would put it (a session is not a member of its own scope).
      const given = options.scopeId !== sessionId ? options.scopeId : undefined;
      if (given !== undefined && given !== state.scopeId) sessions.index.leaveScope(sessionId, state.scopeId);
      if (given !== undefined) state.scopeId = given;
      state.lastActiveAt = sessions.now();
      sessions.touch(state);
      sessions.index.recordCommit(sessionId, state.lastActiveAt, state.scopeId);
      if (state.scopeId !== undefined) sessions.renewScope(state.scopeId);
    },

    async clear(sessionId) {
      // Like the Redis script, clearing does not restart the retention clock.
      const state = sessions.find(sessionId);
      if (state) clearConversation(state);
    },

    async setMeta(sessionId, patch) {
      const fields = ['persona', 'summary', 'responseId', 'tools', 'model'] as const;
      if (fields.every((field) => patch[field] === undefined)) return;
      const state = sessions.obtain(sessionId);
      for (const field of fields) {
        const value = patch[field];
        if (value === null) delete state[field];
        else if (value !== undefined) state[field] = value;
      }
      sessions.touch(state);
    },

    async compact(sessionId, compaction) {
      checkCompaction(compaction);
      const usage = compaction.usage ? checkUsage(compaction.usage) : undefined;
      const state = sessions.find(sessionId);
      const stillThere = state?.messages[compaction.dropCount - 1];
      // Compared as serialised, exactly as the Redis store compares the stored bytes.
      if (!state || !stillThere || JSON.stringify(stillThere) !== JSON.stringify(compaction.lastDropped)) {
        return false;
      }
      state.messages.splice(0, compaction.dropCount);
      state.summary = compaction.summary;
      state.historyTokens = Math.max(0, state.historyTokens - compaction.droppedTokens);
      addUsage(state, usage);
      sessions.touch(state);
      return true;
    },
  };
}

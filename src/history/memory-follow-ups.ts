import { checkSearchLimit, sumTokens } from './history-arguments.ts';
import type { HistoryStore } from './history-store.ts';
import type { MemorySessions } from './memory-sessions.ts';

/** Conversations as people have them: which ones the bot follows, and edits and deletes of their messages. */
export type MemoryFollowUps = Pick<HistoryStore, 'follow' | 'isFollowed' | 'amendMessage'>;

/** Follow marks and amendments of one store, with the same semantics as the Redis scripts. */
export function createMemoryFollowUps(sessions: MemorySessions): MemoryFollowUps {
  return {
    async follow(sessionId) {
      const state = sessions.obtain(sessionId);
      state.followed = true;
      sessions.touch(state);
    },

    async isFollowed(sessionId) {
      const state = sessions.find(sessionId);
      return state !== undefined && (state.followed === true || state.committedSeq > 0);
    },

    async amendMessage(sessionId, ref, replacement, options = {}) {
      // Checked before anything changes, as the Lua script refuses before its first write.
      const searchLimit = checkSearchLimit(options.searchLimit);
      const addedTokens = replacement ? sumTokens([replacement]) : 0;
      const state = sessions.find(sessionId);
      if (!state) return -1;
      const { messages } = state;
      const oldest = Math.max(0, messages.length - searchLimit);
      for (let index = messages.length - 1; index >= oldest; index -= 1) {
        const stored = messages[index]!;
        if (stored.ref !== ref) continue;
        const position = messages.length - 1 - index;
        if (replacement) messages[index] = structuredClone(replacement);
        else messages.splice(index, 1);
        state.historyTokens = Math.max(0, state.historyTokens - stored.tokens + addedTokens);
        sessions.touch(state);
        return position;
      }
      return -1;
    },
  };
}

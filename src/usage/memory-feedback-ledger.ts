import { type FeedbackLedger, type StoredVote, tallyVotes } from './feedback-ledger.ts';

/** Feedback in this process's memory (the embedded mode): lost on restart, like its history. */
export function createMemoryFeedbackLedger(): FeedbackLedger {
  // Per channel: votes by `<session>\n<message>\n<user>`.
  const scopes = new Map<string, Map<string, StoredVote>>();
  return {
    async record(entry) {
      const votes = scopes.get(entry.scopeId) ?? new Map<string, StoredVote>();
      scopes.set(entry.scopeId, votes);
      const key = `${entry.sessionId}\n${entry.messageRef}\n${entry.userId}`;
      const previous = votes.get(key)?.value;
      votes.set(key, { sessionId: entry.sessionId, model: entry.model, value: entry.value });
      return previous;
    },
    async read(scopeId, sessionId) {
      return tallyVotes(scopes.get(scopeId)?.values() ?? [], sessionId);
    },
    async forgetScope(scopeId) {
      scopes.delete(scopeId);
    },
  };
}

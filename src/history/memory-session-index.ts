import type { SessionListing } from './history-store.ts';

/**
 * The memory store's counterpart of the Redis session index: which sessions have a commit, how recently,
 * and which sessions were committed under each scope (a channel's threads).
 */
export interface MemorySessionIndex {
  /** Records an applied commit at `at` under `scopeId` (if any). */
  recordCommit(sessionId: string, at: number, scopeId: string | undefined): void;
  /** Takes the session out of a scope it is no longer stored under. */
  leaveScope(sessionId: string, scopeId: string | undefined): void;
  /** Removes the session from the listing and from `scopeId`. */
  remove(sessionId: string, scopeId: string | undefined): void;
  /** Drops listing entries whose last commit is at or before `cutoff` (their sessions have expired). */
  pruneListing(cutoff: number): void;
  /** At most `limit` sessions, most recently committed first. */
  list(limit: number): SessionListing[];
  /** The sessions committed under `scopeId`, sorted, the scope's own session left out. */
  scopeMembers(scopeId: string): string[];
}

/** An empty index. */
export function createMemorySessionIndex(): MemorySessionIndex {
  /** Session -> last committed turn, as the Redis index (a session is listed once it has a commit). */
  const activity = new Map<string, number>();
  const scopes = new Map<string, Set<string>>();

  const leaveScope = (sessionId: string, scopeId: string | undefined) => {
    if (scopeId === undefined) return;
    const members = scopes.get(scopeId);
    members?.delete(sessionId);
    if (members?.size === 0) scopes.delete(scopeId);
  };

  return {
    recordCommit(sessionId, at, scopeId) {
      activity.set(sessionId, at);
      if (scopeId === undefined) return;
      const members = scopes.get(scopeId) ?? new Set<string>();
      members.add(sessionId);
      scopes.set(scopeId, members);
    },
    leaveScope,
    remove(sessionId, scopeId) {
      activity.delete(sessionId);
      leaveScope(sessionId, scopeId);
    },
    pruneListing(cutoff) {
      for (const [sessionId, at] of activity) if (at <= cutoff) activity.delete(sessionId);
    },
    list(limit) {
      return [...activity]
        .sort(([leftId, left], [rightId, right]) => right - left || (leftId < rightId ? 1 : -1))
        .slice(0, limit)
        .map(([sessionId, lastActiveAt]) => ({ sessionId, lastActiveAt }));
    },
    scopeMembers(scopeId) {
      return [...(scopes.get(scopeId) ?? [])].filter((member) => member !== scopeId).sort();
    },
  };
}

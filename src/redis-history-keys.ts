/**
 * Keys of the session index (for listing, retention and `/forget` of a channel). They share the hash tag
 * `{idx}`, not a session's tag, so they are written with their own commands after a session script, never
 * inside one (Redis Cluster refuses scripts that span slots).
 */
export interface HistoryIndexKeys {
  /** Sorted set: session ID scored by its last committed turn (ms since epoch). */
  sessions: string;
  /** Set: the sessions committed with this scope ID (a channel's threads). */
  scope(scopeId: string): string;
}

/** Index keys under `prefix` (default `parley`). */
export function historyIndexKeys(prefix: string): HistoryIndexKeys {
  const base = `${prefix}:{idx}`;
  return {
    sessions: `${base}:sessions`,
    scope: (scopeId: string) => `${base}:scope:${scopeId}`,
  };
}

/**
 * Redis key layout. Every key of one session shares the hash tag `{s:<sessionId>}` so the Lua scripts that
 * touch several of them work on Redis Cluster; the queue's own keys carry a different tag and are never
 * mixed with session keys in one script.
 */
export interface SessionKeys {
  /** List of JSON `StoredMessage`, oldest first. */
  history: string;
  /** Hash: persona, summary, usage totals, lastActiveAt, committed seq. */
  meta: string;
  /** List of JSON `{seq, turn}` waiting to be processed, head first. */
  mailbox: string;
  /** Counter: last sequence number handed out. */
  seq: string;
  /** Hash: seq -> JSON `PostedMessage[]` already posted for that turn. */
  replies: string;
  /** Key marking an event id as already enqueued. */
  dedup(eventId: string): string;
}

/** Keys of one session under `prefix` (default `parley`). */
export function sessionKeys(prefix: string, sessionId: string): SessionKeys {
  const base = `${prefix}:{s:${sessionId}}`;
  return {
    history: `${base}:history`,
    meta: `${base}:meta`,
    mailbox: `${base}:mailbox`,
    seq: `${base}:seq`,
    replies: `${base}:replies`,
    dedup: (eventId: string) => `${base}:dedup:${eventId}`,
  };
}

/** Set of sessions with turns waiting (the sweeper's to-do list). Not session-tagged. */
export function pendingSessionsKey(prefix: string): string {
  return `${prefix}:{q}:pending`;
}

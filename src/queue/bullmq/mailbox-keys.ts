/**
 * Redis key layout of the BullMQ turn queue's per-session side: the mailbox and what keeps it exactly-once.
 * These keys share the session's hash tag (`sessionKeyBase`) with its history keys; the queue's own keys
 * (pending set, BullMQ's) carry the tag `{q}` and are never mixed with session keys in one script.
 *
 * Retention (the history's, `historyTtlDays`): `mailbox` and `seq` get the retention period as TTL on every
 * enqueue and pop, together, and `replies` on every write, so a session idle that long leaves no queue key
 * behind (`dedup` keys expire on their own, after the de-duplication window). `seq` may expire before the
 * history's `committedSeq` (it is renewed by queue activity, the history by commits): numbering then resumes
 * from the store's committed seq, so it never goes back while the session still has history, and restarts
 * only once both are gone. Without retention an idle session whose turns are all committed keeps only `seq`
 * (the mailbox is empty, hence deleted; a pop deletes its turn's `replies` fields, so that hash empties and
 * goes too): one small counter per session ever seen, kept so numbering never depends on the store alone.
 */
import { sessionKeyBase } from '../../turn/session-id.ts';

/** Keys of one session's mailbox. */
export interface MailboxKeys {
  /** List of JSON `{seq, turn}` waiting to be processed, head first. */
  mailbox: string;
  /** Counter: last sequence number handed out. */
  seq: string;
  /** Hash: seq -> JSON `PostedMessage[]` already posted for that turn. */
  replies: string;
  /** Key marking an event id as already enqueued. */
  dedup(eventId: string): string;
}

/** Mailbox keys of one session under `prefix` (default `parley`). */
export function mailboxKeys(prefix: string, sessionId: string): MailboxKeys {
  const base = sessionKeyBase(prefix, sessionId);
  return {
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

/** Prefix of BullMQ's own keys for the drain queue: the queue's tag, apart from every session's. */
export function drainQueuePrefix(prefix: string): string {
  return `${prefix}:{q}`;
}

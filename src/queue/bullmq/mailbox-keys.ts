/**
 * Redis key layout of the BullMQ turn queue's per-session side: the mailbox and what keeps it exactly-once.
 * These keys share the session's hash tag (`sessionKeyBase`) with its history keys; the queue's own keys
 * (pending set, BullMQ's) carry their shard's tag (`{q}`, then one per further shard) and are never mixed with session keys in one
 * script.
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

/** Hash slots of a Redis Cluster. */
const SLOTS = 16_384;

/** CRC16-XMODEM modulo the slot count: the hash slot Redis Cluster gives a hash tag. */
function slotOf(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}

/**
 * The hash tag of one shard of the queue (`QUEUE_SHARDS`), inside its braces. The first is `q`, as before there
 * were shards. The slots are cut into n equal ranges, the way `redis-cli --cluster create` hands them to n masters;
 * shard i gets the first tag `q<i>`, `q<i>.1`, `q<i>.2`, … in the range i after `q`'s, so every shard has a range
 * of its own: with as many masters as shards (or a multiple), one shard per master.
 */
function shardTag(shard: number, shards: number): string {
  if (shard === 0) return 'q';
  // redis-cli ends range i at round((i + 1) · slots / n − 1).
  const rangeOf = (tag: string) => {
    const slot = slotOf(tag);
    let range = 0;
    while (range < shards - 1 && slot > Math.round(((range + 1) * SLOTS) / shards - 1)) range++;
    return range;
  };
  const wanted = (rangeOf('q') + shard) % shards;
  for (let attempt = 0; ; attempt++) {
    const tag = attempt === 0 ? `q${shard}` : `q${shard}.${attempt}`;
    if (rangeOf(tag) === wanted) return tag;
  }
}

/** Set of a shard's sessions with turns waiting (the sweeper's to-do list). Not session-tagged. */
export function pendingSessionsKey(prefix: string, shard = 0, shards = 1): string {
  return `${prefix}:{${shardTag(shard, shards)}}:pending`;
}

/** Prefix of BullMQ's own keys for a shard's drain queue: the shard's tag, apart from every session's. */
export function drainQueuePrefix(prefix: string, shard = 0, shards = 1): string {
  return `${prefix}:{${shardTag(shard, shards)}}`;
}

/** One shard of a layout of `shards` shards. */
export interface QueueShard {
  /** Index of the shard, from 0. */
  shard: number;
  /** Shards in its layout (its tag depends on it). */
  shards: number;
}

/**
 * The shards of the current layout and, when the keys were laid out for another count before, those of that layout
 * not already among them (the first shard's tag is the same in every layout): what the sweeper and the pending
 * count must look at.
 */
export function shardsToWatch(shards: number, previousShards: number): QueueShard[] {
  const watched = Array.from({ length: shards }, (_, shard) => ({ shard, shards }));
  if (previousShards === shards) return watched;
  return [
    ...watched,
    ...Array.from({ length: previousShards - 1 }, (_, index) => ({
      shard: index + 1,
      shards: previousShards,
    })),
  ];
}

/** Where the number of shards the queue's keys were laid out for is kept (with the first shard). */
export function shardCountKey(prefix: string): string {
  return `${prefix}:{q}:shards`;
}

/**
 * The shard a session's wake-ups and pending mark go to: FNV-1a of its id, so every process agrees, and a session
 * is only ever drained from one shard (that is what keeps its turns in order).
 */
export function shardOf(sessionId: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let index = 0; index < sessionId.length; index++) {
    hash ^= sessionId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

// Read once, when the module loads; ioredis then sends each by EVALSHA, falling back to EVAL once per server.
const enqueueTurnScript = readFileSync(new URL('./enqueue-turn-3.lua', import.meta.url), 'utf8');
const popTurnIfHeadScript = readFileSync(new URL('./pop-turn-if-head-3.lua', import.meta.url), 'utf8');
const claimHeadScript = readFileSync(new URL('./claim-head-2.lua', import.meta.url), 'utf8');

/** What `claim-head-2.lua` returns for a mailbox with a head: the entry, its seq, runs so far, posted replies. */
export type ClaimedHead = [head: string, seq: number, attempt: number, posted: string | null];

/** A connection with the mailbox scripts defined on it (keys from `mailboxKeys`). */
export type MailboxRedis = Redis & {
  /**
   * `enqueue-turn-3.lua`: the turn's seq, 0 for a repeat, -2 when
   * the waiting turn with messageRef `targetRef` was edited (`amend` 'edit', to the JSON string `editedText`)
   * or deleted instead.
   */
  parleyEnqueue(
    dedupKey: string,
    seqKey: string,
    mailboxKey: string,
    turn: string,
    ttl: number,
    startAfter: number,
    retentionMs: number,
    amend: '' | 'edit' | 'delete',
    targetRef: string,
    editedText: string,
  ): Promise<number>;
  /** `claim-head-2.lua`: the head counted as run once more, or null for an empty mailbox. */
  parleyClaimHead(mailboxKey: string, repliesKey: string, retentionMs: number): Promise<ClaimedHead | null>;
  /** `pop-turn-if-head-3.lua`: 0 if `head` was no longer the head, else popped: 1 + the turns left behind it. */
  parleyPopIfHead(
    mailboxKey: string,
    repliesKey: string,
    seqKey: string,
    head: string,
    seq: number,
    retentionMs: number,
  ): Promise<number>;
};

/** Defines the mailbox scripts on `redis` unless already there (an ingress and a worker may share a connection). */
export function withMailboxCommands(redis: Redis | Cluster): MailboxRedis {
  if (typeof (redis as unknown as Partial<MailboxRedis>).parleyEnqueue !== 'function') {
    redis.defineCommand('parleyEnqueue', { numberOfKeys: 3, lua: enqueueTurnScript });
    redis.defineCommand('parleyPopIfHead', { numberOfKeys: 3, lua: popTurnIfHeadScript });
    redis.defineCommand('parleyClaimHead', { numberOfKeys: 2, lua: claimHeadScript });
  }
  return redis as MailboxRedis;
}

import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { withMailboxCommands } from '../../../../src/queue/bullmq/mailbox-commands.ts';
import {
  drainQueuePrefix,
  mailboxKeys,
  pendingSessionsKey,
} from '../../../../src/queue/bullmq/mailbox-keys.ts';

const scriptsFolder = new URL('../../../../src/queue/bullmq/', import.meta.url);
const scripts = readdirSync(scriptsFolder).filter((name) => name.endsWith('.lua'));

interface Definition {
  numberOfKeys: number;
  lua: string;
}

/** A stand-in connection that records what is defined on it. */
function recordingConnection() {
  const defined = new Map<string, Definition>();
  const connection = {
    defineCommand(name: string, definition: Definition) {
      defined.set(name, definition);
      (connection as Record<string, unknown>)[name] = async () => 0;
    },
  };
  return { connection: connection as unknown as Redis, defined };
}

describe('mailbox Lua scripts', () => {
  it('are the three the queue registers', () => {
    const { connection, defined } = recordingConnection();
    withMailboxCommands(connection);
    expect(scripts.sort()).toEqual(['claim-head-2.lua', 'enqueue-turn-3.lua', 'pop-turn-if-head-3.lua']);
    expect([...defined.keys()].sort()).toEqual(['parleyClaimHead', 'parleyEnqueue', 'parleyPopIfHead']);
  });

  it.each(scripts)('%s uses, documents and is registered with as many keys as its name says', (name) => {
    const keyCount = Number(/-(\d+)\.lua$/.exec(name)?.[1]);
    const text = readFileSync(new URL(name, scriptsFolder), 'utf8');
    // The key layout is the block comment the script opens with; what follows is the code.
    const opening = /^--\[\[([\s\S]*?)\]\]/.exec(text);
    expect(opening).not.toBeNull();
    const header = opening?.[1] ?? '';
    const body = text.slice(opening?.[0].length ?? 0);
    const used = new Set([...body.matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1])));
    expect([...used].sort()).toEqual(Array.from({ length: keyCount }, (_, index) => index + 1));
    for (let key = 1; key <= keyCount; key++) expect(header).toContain(`KEYS[${key}]`);
    for (const argument of new Set(body.match(/ARGV\[\d+\]/g))) expect(header).toContain(argument);
    const { connection, defined } = recordingConnection();
    withMailboxCommands(connection);
    const registered = [...defined.values()].find((definition) => definition.lua === text);
    expect(registered?.numberOfKeys).toBe(keyCount);
  });

  it('are defined once per connection', () => {
    const { connection, defined } = recordingConnection();
    withMailboxCommands(connection);
    defined.clear();
    expect(withMailboxCommands(connection)).toBe(connection);
    expect(defined.size).toBe(0);
  });
});

describe('queue key tags', () => {
  it('keeps the queue keys apart from every session key (DESIGN §3, step 8)', () => {
    const tag = (key: string) => /\{[^}]*\}/.exec(key)?.[0];
    const session = mailboxKeys('parley', 'slack:T1:C1:1.2');
    expect(tag(session.mailbox)).toBe('{s:slack:T1:C1:1.2}');
    for (const key of [session.seq, session.replies, session.dedup('e1')])
      expect(tag(key)).toBe(tag(session.mailbox));
    expect(tag(pendingSessionsKey('parley'))).toBe('{q}');
    expect(tag(`${drainQueuePrefix('parley')}:turns:wait`)).toBe('{q}');
    // QUEUE_SHARDS: the first shard keeps `{q}`; each other shard has a tag of its own, never a session's.
    const tags = [0, 1, 2, 3].map((shard) => tag(pendingSessionsKey('parley', shard, 4)));
    expect(tags[0]).toBe('{q}');
    expect(new Set(tags).size).toBe(4);
    for (let shard = 0; shard < 4; shard++)
      expect(tag(`${drainQueuePrefix('parley', shard, 4)}:turns:wait`)).toBe(tags[shard]);
    for (const shardTag of tags) expect(shardTag).not.toBe(tag(session.mailbox));
  });
});

/** `pop-turn-if-head-3.lua` against a real Redis: what a drain learns from a pop. */
import { describe, expect, it } from 'vitest';
import { withMailboxCommands } from '../../../src/queue/bullmq/mailbox-commands.ts';
import { mailboxKeys } from '../../../src/queue/bullmq/mailbox-keys.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';

const redis = useTestRedis();

describe('popping the head turn', () => {
  it('tells how many turns are left, so a drain that popped the last one need not look again', async () => {
    const client = withMailboxCommands(redis.client);
    const keys = mailboxKeys('pop-test', 'console:pop');
    const entries = [1, 2].map((seq) => JSON.stringify({ seq, turn: { id: `t${seq}` } }));
    await client.rpush(keys.mailbox, ...entries);
    await client.hset(keys.replies, '1', '[]', 'a:1', '1');
    const pop = (head: string, seq: number) =>
      client.parleyPopIfHead(keys.mailbox, keys.replies, keys.seq, head, seq, 0);

    // Not the head (turn 2 is behind turn 1): nothing happens.
    expect(await pop(entries[1]!, 2)).toBe(0);
    expect(await client.llen(keys.mailbox)).toBe(2);
    // Turn 1 popped, with its bookkeeping: one turn left.
    expect(await pop(entries[0]!, 1)).toBe(2);
    expect(await client.hgetall(keys.replies)).toEqual({});
    // Turn 2 popped: none left.
    expect(await pop(entries[1]!, 2)).toBe(1);
    expect(await client.exists(keys.mailbox)).toBe(0);
  });
});

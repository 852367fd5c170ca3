import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withMailboxCommands } from '../../../../src/queue/bullmq/mailbox-commands.ts';
import { mailboxKeys } from '../../../../src/queue/bullmq/mailbox-keys.ts';
import type { Turn } from '../../../../src/turn/turn.ts';
import { makeTurn } from '../../../contract/turn-queue.contract.ts';
import { useTestRedis } from '../../../helpers/use-test-redis.ts';

/*
 * enqueue-turn-3.lua changing a waiting turn: the turn's bytes are kept as enqueued (only an `editedText` is put
 * before them), an entry it cannot read is skipped and left alone, and the mailbox keeps its retention.
 */

const testRedis = useTestRedis();

const session = 'slack:T:C:1.1';

describe('enqueue-turn-3.lua with an edit or delete', () => {
  it('edits and deletes waiting entries in place, byte for byte, skipping unreadable ones', async () => {
    const redis = withMailboxCommands(testRedis.client);
    const keys = mailboxKeys(`amend-${randomUUID()}`, session);
    const enqueue = (turn: Turn, amend: '' | 'edit' | 'delete' = '', targetRef = '') =>
      redis.parleyEnqueue(
        keys.dedup(turn.id),
        keys.seq,
        keys.mailbox,
        JSON.stringify(turn),
        60,
        0,
        600_000,
        amend,
        targetRef,
        JSON.stringify(turn.text),
      );
    const waiting = (id: string, text = id): Turn => ({ ...makeTurn(session, id, text), messageRef: id });
    const target = waiting('m', 'lone \ud800, "turn":{} and \\');
    expect(await enqueue(waiting('h'))).toBe(1);
    expect(await enqueue(target)).toBe(2);
    await testRedis.client.rpush(keys.mailbox, '{"seq":9,"turn":{"kind":"message","messageRef":"m"');
    expect(await enqueue(waiting('z'))).toBe(3);
    const before = await testRedis.client.lrange(keys.mailbox, 0, -1);

    const edit = { ...makeTurn(session, 'e1', 'new "text" \ud800'), kind: 'edit' as const, targetRef: 'm' };
    expect(await enqueue(edit, 'edit', 'm')).toBe(-2);
    expect(await enqueue({ ...edit, id: 'e2', text: 'newer' }, 'edit', 'm')).toBe(-2);
    const edited = await testRedis.client.lrange(keys.mailbox, 0, -1);
    expect(edited[1]).toBe(`{"seq":2,"editedText":"newer","turn":${JSON.stringify(target)}}`);
    expect(JSON.parse(edited[1]!)).toEqual({ seq: 2, editedText: 'newer', turn: target });
    expect([edited[0], ...edited.slice(2)]).toEqual([before[0], ...before.slice(2)]);

    expect(await enqueue({ ...edit, id: 'd1', kind: 'delete', text: '' }, 'delete', 'm')).toBe(-2);
    expect(await testRedis.client.lrange(keys.mailbox, 0, -1)).toEqual([before[0], ...before.slice(2)]);
    // Nothing is numbered for a change in place; the counter goes on from the last turn queued.
    expect(await testRedis.client.get(keys.seq)).toBe('3');
    expect(await testRedis.client.pttl(keys.mailbox)).toBeGreaterThan(500_000);
    expect(await enqueue({ ...edit, id: 'd2', kind: 'delete', text: '' }, 'delete', 'm')).toBe(4);
  });
});

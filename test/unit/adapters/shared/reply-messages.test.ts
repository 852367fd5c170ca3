import { describe, expect, it } from 'vitest';
import { createReplyMessages, type ReplyMessageDriver } from '../../../../adapters/shared/reply-messages.ts';
import type { PostedMessage } from '../../../../src/turn/reply-channel.ts';

/** A driver that records calls; messages listed in `gone` answer edits with "gone". */
function fakeDriver(gone: Set<string> = new Set()) {
  const calls: string[] = [];
  let next = 1;
  const driver: ReplyMessageDriver = {
    async post(text, index) {
      const message = { channelId: 'C1', messageId: `new-${next++}` };
      calls.push(`post#${index} ${text} -> ${message.messageId}`);
      return message;
    },
    async edit(message, text) {
      calls.push(`edit ${message.messageId} ${text}`);
      return !gone.has(message.messageId);
    },
  };
  return { driver, calls };
}

function recorder() {
  const records: PostedMessage[][] = [];
  return { records, onPosted: async (posted: PostedMessage[]) => void records.push(posted) };
}

const earlier: PostedMessage[] = [
  { channelId: 'C1', messageId: 'old-1' },
  { channelId: 'C1', messageId: 'old-2' },
];

describe('createReplyMessages', () => {
  it('edits the messages an earlier attempt posted and posts only what is missing', async () => {
    const { driver, calls } = fakeDriver();
    const { records, onPosted } = recorder();
    const messages = createReplyMessages(driver, earlier, onPosted);
    await messages.writeAll(['a', 'b', 'c']);
    expect(calls).toEqual(['edit old-1 a', 'edit old-2 b', 'post#2 c -> new-1']);
    expect(records).toEqual([[...earlier, { channelId: 'C1', messageId: 'new-1' }]]);
  });

  it('skips a write of the text this reply already put there, but not of a message it never wrote', async () => {
    const { driver, calls } = fakeDriver();
    const { onPosted } = recorder();
    const messages = createReplyMessages(driver, earlier, onPosted);
    await messages.write(0, 'same');
    await messages.write(0, 'same');
    await messages.write(1, 'same');
    await messages.write(0, 'changed');
    expect(calls).toEqual(['edit old-1 same', 'edit old-2 same', 'edit old-1 changed']);
  });

  it('posts a gone message again in its place and records the replacement', async () => {
    const { driver, calls } = fakeDriver(new Set(['old-1']));
    const { records, onPosted } = recorder();
    const messages = createReplyMessages(driver, earlier, onPosted);
    await messages.write(0, 'x');
    await messages.write(0, 'x');
    expect(calls).toEqual(['edit old-1 x', 'post#0 x -> new-1']);
    expect(messages.posted.map((message) => message.messageId)).toEqual(['new-1', 'old-2']);
    expect(records).toHaveLength(1);
  });

  it('does not record a successful edit (the list did not change)', async () => {
    const { driver } = fakeDriver();
    const { records, onPosted } = recorder();
    const messages = createReplyMessages(driver, earlier, onPosted);
    await messages.writeAll(['a', 'b']);
    expect(records).toEqual([]);
  });

  it('appends after the others, whatever they show', async () => {
    const { driver, calls } = fakeDriver();
    const { onPosted } = recorder();
    const messages = createReplyMessages(driver, earlier, onPosted);
    await messages.append('placeholder');
    expect(calls).toEqual(['post#2 placeholder -> new-1']);
    expect(messages.posted).toHaveLength(3);
  });

  it('truncate records the shorter list and forgets what the dropped messages showed', async () => {
    const { driver, calls } = fakeDriver();
    const { records, onPosted } = recorder();
    const messages = createReplyMessages(driver, [], onPosted);
    await messages.writeAll(['a', 'b']);
    await messages.truncate(1);
    expect(records.at(-1)).toEqual([{ channelId: 'C1', messageId: 'new-1' }]);
    await messages.write(1, 'b');
    expect(calls).toEqual(['post#0 a -> new-1', 'post#1 b -> new-2', 'post#1 b -> new-3']);
  });

  it('hands out copies: neither `previous` nor a recorded list changes with later writes', async () => {
    const { driver } = fakeDriver(new Set(['old-1']));
    const { records, onPosted } = recorder();
    const previous = earlier.map((message) => ({ ...message }));
    const messages = createReplyMessages(driver, previous, onPosted);
    await messages.write(0, 'x');
    records[0]![1]!.messageId = 'tampered';
    await messages.append('y');
    expect(previous).toEqual(earlier);
    expect(records[1]![1]!.messageId).toBe('old-2');
  });

  it('lets a failed edit through without changing the list', async () => {
    const { onPosted, records } = recorder();
    const driver: ReplyMessageDriver = {
      post: async () => ({ channelId: 'C1', messageId: 'never' }),
      edit: async () => {
        throw new Error('rate limited');
      },
    };
    const messages = createReplyMessages(driver, earlier, onPosted);
    await expect(messages.write(0, 'x')).rejects.toThrow('rate limited');
    expect(messages.posted).toEqual(earlier);
    expect(records).toEqual([]);
  });
});

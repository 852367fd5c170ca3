import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordReplyChannel } from '../../../adapters/discord/index.ts';
import { PlatformError } from '../../../src/app/errors.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { PostedMessage } from '../../../src/turn/reply-channel.ts';
import type { ReplyTarget } from '../../../src/turn/turn.ts';
import { type FakeDiscord, snowflake, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';
import { useFakeDiscordReplyChannel } from '../../helpers/use-fake-discord-reply-channel.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const longReply = readFileSync(new URL('../../fixtures/discord/long-reply.md', import.meta.url), 'utf8');
const EDIT_INTERVAL_MS = 100;
const TYPING_INTERVAL_MS = 40;

/** Polls often: the writes raced against are only tens of milliseconds apart. */
const POLL = { timeoutMs: 10_000, intervalMs: 10 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records what `onPosted` was told, like the queue does. */
function recorder(previous: PostedMessage[] = []) {
  const calls: PostedMessage[][] = [];
  return {
    calls,
    options: {
      previous,
      onPosted: async (posted: PostedMessage[]) => {
        calls.push(posted);
      },
    },
    last: () => calls.at(-1) ?? [],
  };
}

describe('Discord reply channel (REST only, against the fake API)', () => {
  const discord = useFakeDiscordReplyChannel({
    timings: { editIntervalMs: EDIT_INTERVAL_MS, typingIntervalMs: TYPING_INTERVAL_MS },
    rest: { retries: 1 },
  });

  /** A fresh channel and a reply target answering a question posted in it. */
  const freshTarget = (name: string): ReplyTarget => ({
    platform: 'discord',
    channelId: discord.fake.addTextChannel(name),
    workspaceId: discord.fake.guildId,
    replyToMessageId: snowflake(),
  });
  const writesTo = (channelId: string) =>
    discord.fake.requests.filter(
      (request) =>
        (request.route === 'POST /channels/:channel/messages' ||
          request.route === 'PATCH /channels/:channel/messages/:message') &&
        request.path.startsWith(`/channels/${channelId}/`),
    );
  const typingIn = (channelId: string) =>
    discord.fake.requests.filter((request) => request.path === `/channels/${channelId}/typing`);

  it('shows typing at once, renews it, and stops when the reply is finished', async () => {
    const target = freshTarget('typing');
    const reply = discord.channel.openReply(target, recorder().options);
    await reply.showWorking();
    // Not waited for (the model is asked at once), but sent at once.
    await waitFor('typing', () => typingIn(target.channelId).length === 1, POLL);
    expect(typingIn(target.channelId)[0]!.status).toBe(204);
    await waitFor('typing to be renewed twice', () => typingIn(target.channelId).length >= 3, POLL);
    await reply.finish('Done.');
    const afterFinish = typingIn(target.channelId).length;
    await sleep(TYPING_INTERVAL_MS * 5);
    expect(typingIn(target.channelId)).toHaveLength(afterFinish);
    // No typing lands after the answer (it would show "typing…" for 10 s under it).
    const lastTyping = discord.fake.requests.lastIndexOf(typingIn(target.channelId).at(-1)!);
    const answer = discord.fake.requests.findIndex(
      (request) => request.method === 'POST' && request.path === `/channels/${target.channelId}/messages`,
    );
    expect(lastTyping).toBeLessThan(answer);
    expect(discord.fake.messagesIn(target.channelId).map((message) => message.content)).toEqual(['Done.']);
  });

  it('streams into one message with few edits, newest text only, then settles on the final text', async () => {
    const target = freshTarget('streaming');
    const posted = recorder();
    const reply = discord.channel.openReply(target, posted.options);
    const final = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const words = final.split(' ');
    const upTo = (count: number) => words.slice(0, count).join(' ');
    for (let count = 1; count <= 30; count++) reply.update(upTo(count));
    await waitFor('the first write', () => writesTo(target.channelId).length >= 1, POLL);
    for (let count = 31; count <= 60; count++) reply.update(upTo(count));
    await reply.finish(final);

    const writes = writesTo(target.channelId);
    // 60 updates, at most: the first, the newest of each burst, and the final text.
    expect(writes.length).toBeLessThanOrEqual(4);
    expect(writes[0]!.method).toBe('POST');
    expect(writes[0]!.body).toMatchObject({
      content: 'word0',
      message_reference: { message_id: target.replyToMessageId, fail_if_not_exists: false },
    });
    const [message] = discord.fake.messagesIn(target.channelId);
    expect(discord.fake.messagesIn(target.channelId)).toHaveLength(1);
    for (const write of writes.slice(1)) {
      expect(write.method).toBe('PATCH');
      expect(write.path).toBe(`/channels/${target.channelId}/messages/${message!.id}`);
    }
    // Each write shows more of the reply than the last: nothing stale is sent after something newer.
    const contents = message!.contents;
    for (let index = 1; index < contents.length; index++) {
      expect(contents[index]!.length).toBeGreaterThan(contents[index - 1]!.length);
      expect(contents[index]!.startsWith(contents[index - 1]!)).toBe(true);
    }
    expect(message!.content).toBe(final);
    expect(posted.last()).toEqual([{ channelId: target.channelId, messageId: message!.id }]);
  });

  it('splits a 5,000-character reply into valid parts, editing the streamed message first', async () => {
    const target = freshTarget('long');
    const posted = recorder();
    const reply = discord.channel.openReply(target, posted.options);
    reply.update(longReply.slice(0, 1500));
    await waitFor('the first write', () => writesTo(target.channelId).length >= 1, POLL);
    await reply.finish(longReply);

    const messages = discord.fake.messagesIn(target.channelId);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(messages[0]!.contents.length).toBeGreaterThanOrEqual(2); // streamed, then edited
    for (const message of messages) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.content.split('\n').filter((line) => line.startsWith('```')).length % 2).toBe(0);
    }
    const substance = (text: string) =>
      text
        .split('\n')
        .filter((line) => !line.startsWith('```'))
        .join('')
        .replace(/\s+/g, '');
    expect(messages.map((message) => substance(message.content)).join('')).toBe(substance(longReply));
    // Only the first part replies to the question.
    expect(messages[0]!.messageReference?.message_id).toBe(target.replyToMessageId);
    expect(messages.slice(1).every((message) => message.messageReference === undefined)).toBe(true);
    expect(posted.last().map((message) => message.messageId)).toEqual(messages.map((message) => message.id));
  });

  it('never lets a reply ping @everyone, @here, roles or users', async () => {
    const target = freshTarget('mentions');
    const reply = discord.channel.openReply(target, recorder().options);
    reply.update('@everyone');
    await waitFor('the first write', () => writesTo(target.channelId).length >= 1, POLL);
    await reply.finish('@everyone @here <@&123456789012345678> <@123456789012345678> look!');
    const writes = writesTo(target.channelId);
    expect(writes.map((write) => write.method)).toEqual(['POST', 'PATCH']);
    for (const write of writes) {
      expect((write.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({
        parse: [],
        replied_user: false,
      });
    }
  });

  it('on a re-run edits the messages an earlier attempt posted, posting only what is missing', async () => {
    const target = freshTarget('rerun');
    const first = recorder();
    await discord.channel.openReply(target, first.options).finish(longReply);
    const earlier = first.last();
    expect(earlier.length).toBeGreaterThanOrEqual(3);
    const postsBefore = writesTo(target.channelId).filter((write) => write.method === 'POST').length;

    // Same length of text again: only edits, in place.
    const second = recorder(earlier);
    const rerun = discord.channel.openReply(target, second.options);
    rerun.update('Thinking again…');
    await waitFor(
      'an edit of the earlier messages',
      () => writesTo(target.channelId).filter((write) => write.method === 'PATCH').length >= 1,
      POLL,
    );
    await rerun.finish(longReply.replaceAll('session', 'conversation'));
    expect(writesTo(target.channelId).filter((write) => write.method === 'POST')).toHaveLength(postsBefore);
    expect(discord.fake.messagesIn(target.channelId).map((message) => message.id)).toEqual(
      earlier.map((message) => message.messageId),
    );
    expect(discord.fake.messagesIn(target.channelId)[0]!.content).toContain('conversation');

    // Shorter text: the surplus messages go away.
    const third = recorder(earlier);
    await discord.channel.openReply(target, third.options).finish('Short answer this time.');
    expect(discord.fake.messagesIn(target.channelId).map((message) => message.content)).toEqual([
      'Short answer this time.',
    ]);
    expect(third.last()).toEqual([earlier[0]]);

    // Longer again from one message: the first is edited, the rest posted.
    const fourth = recorder([earlier[0]!]);
    await discord.channel.openReply(target, fourth.options).finish(longReply);
    const now = discord.fake.messagesIn(target.channelId);
    expect(now[0]!.id).toBe(earlier[0]!.messageId);
    expect(now.length).toBe(earlier.length);
    expect(fourth.last().map((message) => message.messageId)).toEqual(now.map((message) => message.id));
  });

  it('posts anew when a message of the earlier attempt was deleted', async () => {
    const target = freshTarget('deleted');
    const gone = { channelId: target.channelId, messageId: snowflake() };
    const posted = recorder([gone]);
    await discord.channel.openReply(target, posted.options).finish('Here it is again.');
    const [message] = discord.fake.messagesIn(target.channelId);
    expect(message?.content).toBe('Here it is again.');
    expect(posted.last()).toEqual([{ channelId: target.channelId, messageId: message!.id }]);
  });

  it('posts a placeholder for an empty reply (Discord refuses empty messages)', async () => {
    const target = freshTarget('empty');
    await discord.channel.openReply(target, recorder().options).finish('  ');
    expect(discord.fake.messagesIn(target.channelId)).toHaveLength(1);
  });

  it('waits out a 429 with retry-after and succeeds', async () => {
    const target = freshTarget('limited');
    discord.fake.failNext('POST /channels/:channel/messages', 1, { status: 429, retryAfter: 0.1 });
    await discord.channel.openReply(target, recorder().options).finish('After the wait.');
    expect(writesTo(target.channelId).map((write) => write.status)).toEqual([429, 200]);
    expect(discord.fake.messagesIn(target.channelId).map((message) => message.content)).toEqual([
      'After the wait.',
    ]);
  });

  it('turns a 500 that outlasts the retries into a retryable PlatformError', async () => {
    const target = freshTarget('broken');
    discord.fake.failNext('POST /channels/:channel/messages', 2, { status: 500 });
    const failure = await discord.channel
      .openReply(target, recorder().options)
      .finish('Never arrives.')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).platform).toBe('discord');
    expect((failure as PlatformError).isRetryable).toBe(true);
    expect(writesTo(target.channelId).map((write) => write.status)).toEqual([500, 500]);
    expect(discord.fake.messagesIn(target.channelId)).toHaveLength(0);
  });

  it('turns a 404 into a non-retryable PlatformError, and a failed typing indicator into nothing', async () => {
    const target: ReplyTarget = { platform: 'discord', channelId: snowflake() };
    const reply = discord.channel.openReply(target, recorder().options);
    await expect(reply.showWorking()).resolves.toBeUndefined();
    const failure = await reply.finish('Lost.').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).isRetryable).toBe(false);
  });
});

describe('Discord reply channel under a long rate limit', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await startFakeDiscord();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('gives up at once on a wait longer than allowed, as a retryable PlatformError', async () => {
    const channel = createDiscordReplyChannel({
      config: fakeDiscordConfig(fake),
      logger: silentLogger,
      rest: { maxRateLimitWaitMs: 1_000 },
    });
    fake.failNext('POST /channels/:channel/messages', 1, { status: 429, retryAfter: 600 });
    const failure = await channel
      .openReply({ platform: 'discord', channelId: fake.channelId }, recorder().options)
      .finish('Later.')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).isRetryable).toBe(true);
    expect(fake.messagesIn(fake.channelId)).toHaveLength(0);
  });

  it('refuses turns of another platform', () => {
    const channel = createDiscordReplyChannel({
      config: fakeDiscordConfig(fake),
      logger: silentLogger,
    });
    expect(() => channel.openReply({ platform: 'slack', channelId: 'C1' }, recorder().options)).toThrow();
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESET_DONE } from '../../adapters/discord/commands.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { nameFromPrompt, promptText } from '../fakes/name-from-prompt.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const longReply = readFileSync(new URL('../fixtures/discord/long-reply.md', import.meta.url), 'utf8');

let model: FakeOpenAI;
let redis: TestRedis;
let discord: FakeDiscord;
let parley: RunningParley;

beforeAll(async () => {
  [model, redis, discord] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFakeDiscord()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    // Room for the 5,000-character reply (the fake model cuts replies at max_tokens × 4 characters).
    MAX_REPLY_TOKENS: '4000',
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'discord-e2e',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    LOG_LEVEL: 'silent',
  });
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close(), discord?.close()]);
});

afterEach(() => model.reset());

/** Waits until the bot has `count` messages in the channel and the newest reads `text`; returns them. */
function waitForReplies(channelId: string, count: number, text?: string): Promise<FakeMessage[]> {
  return waitFor(
    () =>
      `${count} replies in ${channelId}, got ${JSON.stringify(discord.messagesIn(channelId).map((r) => r.content))}`,
    () => {
      const replies = discord.messagesIn(channelId);
      const done = replies.length >= count && (text === undefined || replies[count - 1]?.content === text);
      return done ? replies : undefined;
    },
  );
}

describe('Parley on Discord, end to end (gateway, Redis, BullMQ, fake model)', () => {
  it('remembers a DM: the second model request carries the first exchange', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const alice = discord.user('alice.dm', { globalName: 'Alice' });
    const first = discord.sendMessageCreate({ author: alice, dm: true, content: 'My name is Alice' });
    await waitForReplies(first.channel_id, 1, 'Your name is Alice.');
    discord.sendMessageCreate({ author: alice, dm: true, content: "What's my name?" });
    await waitForReplies(first.channel_id, 2, 'Your name is Alice.');

    expect(model.requests).toHaveLength(2);
    const second = model.requests[1]!.body.messages;
    expect(second.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(String(second[1]?.content)).toContain('My name is Alice');
    expect(second[2]?.content).toBe('Your name is Alice.');
    expect(String(second[3]?.content)).toContain("What's my name?");
    // DMs are answered plainly, not as replies.
    expect(discord.messagesIn(first.channel_id).every((message) => !message.messageReference)).toBe(true);
  });

  it('answers a mention in a guild channel as a reply to it, naming the speaker to the model', async () => {
    const channelId = discord.addTextChannel('e2e-mentions');
    const sent = discord.sendMessageCreate({
      channel_id: channelId,
      content: `${discord.mention} what is a hash slot?`,
      nick: 'Ally',
    });
    const [reply] = await waitForReplies(channelId, 1, 'Echo: Ally: what is a hash slot?');
    expect(reply!.messageReference?.message_id).toBe(sent.id);
    expect(reply!.allowedMentions).toMatchObject({ parse: [] });
    expect(String(model.requests[0]!.body.messages.at(-1)?.content)).not.toContain(discord.bot.id);
  });

  it('keeps threads and their channel apart', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const threadA = discord.addThread('thread A');
    const threadB = discord.addThread('thread B');
    discord.sendMessageCreate({ channel_id: threadA, content: `${discord.mention} My name is Dora` });
    await waitForReplies(threadA, 1, 'Your name is Dora.');
    discord.sendMessageCreate({ channel_id: threadB, content: `${discord.mention} What's my name?` });
    await waitForReplies(threadB, 1, "I don't know your name.");
    discord.sendMessageCreate({
      channel_id: discord.channelId,
      content: `${discord.mention} What's my name?`,
    });
    await waitForReplies(discord.channelId, 1, "I don't know your name.");
    discord.sendMessageCreate({ channel_id: threadA, content: `${discord.mention} What's my name?` });
    await waitForReplies(threadA, 2, 'Your name is Dora.');
    for (const request of model.requests.slice(1, 3))
      expect(promptText(request.body.messages)).not.toContain('Dora');
  });

  it('/reset in a DM answers only the invoker and makes the DM forget', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const bob = discord.user('bob', { globalName: 'Bob' });
    const first = discord.sendMessageCreate({ author: bob, dm: true, content: 'My name is Bob' });
    await waitForReplies(first.channel_id, 1, 'Your name is Bob.');

    const interaction = discord.sendInteraction({ user: bob, dm: true });
    const callback = await discord.waitForRequest(
      (request) =>
        request.route === 'POST /interactions/:id/:token/callback' && request.path.includes(interaction.id),
    );
    expect(callback.status).toBe(204);
    expect(discord.interactionResponse(interaction.id)).toMatchObject({
      data: { content: RESET_DONE, flags: 64 },
    });

    discord.sendMessageCreate({ author: bob, dm: true, content: "What's my name?" });
    await waitForReplies(first.channel_id, 2, "I don't know your name.");
    const afterReset = model.requests.at(-1)!.body.messages;
    expect(afterReset.map((message) => message.role)).toEqual(['system', 'user']);
    expect(promptText(afterReset)).not.toContain('My name is Bob');
    // The reset posted nothing in the DM itself.
    expect(discord.messagesIn(first.channel_id)).toHaveLength(2);
  });

  it('splits a 5,000-character model reply into valid Discord messages', async () => {
    model.respondWith(() => longReply);
    const channelId = discord.addTextChannel('e2e-long');
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} explain the queue` });
    const substance = (text: string) =>
      text
        .split('\n')
        .filter((line) => !line.startsWith('```'))
        .join('')
        .replace(/\s+/g, '');
    const messages = await waitFor(
      () => `the whole reply, got ${discord.messagesIn(channelId).length} messages`,
      () => {
        const posted = discord.messagesIn(channelId);
        const whole = posted.map((message) => substance(message.content)).join('') === substance(longReply);
        return whole ? posted : undefined;
      },
    );
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const message of messages) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.content.split('\n').filter((line) => line.startsWith('```')).length % 2).toBe(0);
    }
    // No part was ever rejected for length.
    expect(discord.requests.filter((request) => request.status === 400)).toEqual([]);
  });

  it('ignores other bots', async () => {
    const channelId = discord.addTextChannel('e2e-bots');
    const otherBot = discord.user('otherbot', { bot: true });
    discord.sendMessageCreate({
      channel_id: channelId,
      author: otherBot,
      content: `${discord.mention} bot chatter`,
    });
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} human question` });
    const replies = await waitForReplies(channelId, 1);
    expect(replies).toHaveLength(1);
    expect(model.requests.some((request) => promptText(request.body.messages).includes('bot chatter'))).toBe(
      false,
    );
    await waitForReplies(channelId, 1, 'Echo: Alice: human question');
  });
});

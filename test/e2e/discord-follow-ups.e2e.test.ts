import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { promptText } from '../fakes/name-from-prompt.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

let model: FakeOpenAI;
let redis: TestRedis;

beforeAll(async () => {
  [model, redis] = await Promise.all([startFakeOpenAI(), startTestRedis()]);
});
afterAll(async () => {
  await Promise.all([model?.close(), redis?.close()]);
});

/** Parley on its own fake Discord (so only it answers there), with Redis and the fake model. */
async function startOnDiscord(prefix: string, env: Record<string, string>) {
  const discord = await startFakeDiscord();
  const parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    LOG_LEVEL: 'silent',
    ...env,
  });
  return { discord, parley };
}

/**
 * Waits until the bot has `count` messages in the channel and (when given) the newest contains `text` — a
 * streamed reply is posted first and edited to its final text after.
 */
function waitForReplies(
  discord: FakeDiscord,
  channelId: string,
  count: number,
  text?: string,
): Promise<FakeMessage[]> {
  return waitFor(
    () =>
      `${count} replies in ${channelId}, got ${JSON.stringify(discord.messagesIn(channelId).map((m) => m.content))}`,
    () => {
      const replies = discord.messagesIn(channelId);
      const done =
        replies.length >= count && (text === undefined || replies[count - 1]!.content.includes(text));
      return done ? replies : undefined;
    },
  );
}

describe('Discord conversations as people have them, with the Message Content intent (end to end)', () => {
  let discord: FakeDiscord;
  let parley: RunningParley;
  beforeAll(async () => {
    ({ discord, parley } = await startOnDiscord('discord-follow-ups-e2e', {
      DISCORD_MESSAGE_CONTENT: 'true',
    }));
  });
  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
    await discord?.close();
  });
  afterEach(() => model.reset());

  it('answers a reply to the bot that does not mention it', async () => {
    const channelId = discord.addTextChannel('replies');
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} what is a hash slot?` });
    const [answer] = await waitForReplies(discord, channelId, 1, 'hash slot');
    const reply = discord.sendMessageCreate({
      channel_id: channelId,
      content: 'and how many are there?',
      replyTo: answer!.id,
    });
    const replies = await waitForReplies(discord, channelId, 2, 'and how many are there?');
    expect(replies[1]!.messageReference?.message_id).toBe(reply.id);
  });

  it('answers follow-ups in a thread it was mentioned in, but not talk addressed to someone else', async () => {
    const thread = discord.addThread('follow-ups');
    discord.sendMessageCreate({ channel_id: thread, content: `${discord.mention} hello` });
    await waitForReplies(discord, thread, 1);
    discord.sendMessageCreate({ channel_id: thread, content: 'tell me more' });
    await waitForReplies(discord, thread, 2, 'tell me more');

    const bob = discord.user('bob');
    discord.sendMessageCreate({ channel_id: thread, content: `<@${bob.id}> can you check the logs?` });
    discord.sendMessageCreate({ channel_id: thread, content: 'and what about slots?' });
    await waitForReplies(discord, thread, 3, 'and what about slots?');
    await queueDrained(parley);
    const after = discord.messagesIn(thread);
    // Bob's message is remembered (the model sees it before the next question) but gets no answer of its own.
    expect(after).toHaveLength(3);
    expect(after[1]!.content).toContain('tell me more');
    expect(promptText(model.requests.at(-1)!.body.messages)).toContain('can you check the logs?');
  });

  it('answers from the edited text of a DM', async () => {
    // A reply that does not repeat the question, so only the user's own message can carry its text.
    model.respondWith(() => 'Noted.');
    const alice = discord.user('alice.edit', { globalName: 'Alice' });
    const first = discord.sendMessageCreate({
      author: alice,
      dm: true,
      content: 'my favourite colour is blu',
    });
    await waitForReplies(discord, first.channel_id, 1);
    discord.sendMessageUpdate({ id: first.id, content: 'my favourite colour is green' });
    await queueDrained(parley);
    const asked = model.requests.length;
    discord.sendMessageCreate({ author: alice, dm: true, content: 'what did I say?' });
    await waitForReplies(discord, first.channel_id, 2);
    const prompt = promptText(model.requests[asked]!.body.messages);
    expect(prompt).toContain('my favourite colour is green');
    expect(prompt).not.toMatch(/colour is blu\b/);
  });

  it('forgets a deleted DM and deletes the answer to it', async () => {
    model.respondWith(() => 'Noted.');
    const alice = discord.user('alice.delete', { globalName: 'Alice' });
    const first = discord.sendMessageCreate({ author: alice, dm: true, content: 'my secret is 1234' });
    await waitForReplies(discord, first.channel_id, 1);
    discord.sendMessageDelete(first.id);
    await waitFor('the answer deleted', () => discord.messagesIn(first.channel_id).length === 0);
    await queueDrained(parley);
    const asked = model.requests.length;
    discord.sendMessageCreate({ author: alice, dm: true, content: 'what is my secret?' });
    await waitForReplies(discord, first.channel_id, 1);
    expect(promptText(model.requests[asked]!.body.messages)).not.toContain('1234');
  });
});

describe('Discord follow-ups without the Message Content intent (end to end)', () => {
  let discord: FakeDiscord;
  let parley: RunningParley;
  beforeAll(async () => {
    ({ discord, parley } = await startOnDiscord('discord-no-content-e2e', {}));
  });
  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
    await discord?.close();
  });

  it('does not answer a follow-up it cannot read, and still answers mentions there', async () => {
    const thread = discord.addThread('no content');
    discord.sendMessageCreate({ channel_id: thread, content: `${discord.mention} hello` });
    await waitForReplies(discord, thread, 1);
    // What Discord delivers of a message that does not mention the bot, without the intent.
    discord.sendMessageCreate({ channel_id: thread, content: '' });
    discord.sendMessageCreate({ channel_id: thread, content: `${discord.mention} still there?` });
    await waitForReplies(discord, thread, 2, 'still there?');
    await queueDrained(parley);
    expect(discord.messagesIn(thread)).toHaveLength(2);
  });
});

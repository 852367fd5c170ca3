// Loading the Slack adapter too, as a process with both platforms does: its HTTP stack replaces the
// process-wide dispatcher, which Discord's REST client (file uploads for /export) must not depend on.
import '../../adapters/slack/index.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import {
  type FakeDiscord,
  type FakeMessage,
  type FakeWebhookMessage,
  startFakeDiscord,
} from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { nameFromPrompt, promptText } from '../fakes/name-from-prompt.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

let model: FakeOpenAI;
let redis: TestRedis;
let discord: FakeDiscord;
let parley: RunningParley;

beforeAll(async () => {
  [model, redis, discord] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFakeDiscord()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'discord-commands-e2e',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    // The fake's default user runs every command here, changes included; access-control.e2e tests who may.
    ADMIN_USERS: discord.alice.id,
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
  return waitFor(`${count} replies in ${channelId}`, () => {
    const replies = discord.messagesIn(channelId);
    const done = replies.length >= count && (text === undefined || replies[count - 1]?.content === text);
    return done ? replies : undefined;
  });
}

/** Asks the bot something in a channel or thread and waits for its answer. */
async function ask(channelId: string, question: string, expected?: string): Promise<void> {
  const before = discord.messagesIn(channelId).length;
  discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} ${question}` });
  await waitForReplies(channelId, before + 1, expected);
}

/**
 * Uses a slash command where `channelId` is and waits for the answer the worker edits into the deferred
 * reply. Checks it reached only the invoker: ephemeral, and nothing posted in the channel.
 */
async function command(
  channelId: string,
  name: string,
  options?: Array<{ name: string; type: number; value: string | boolean }>,
): Promise<FakeWebhookMessage> {
  const postedBefore = discord.messagesIn(channelId).length;
  const interaction = discord.sendInteraction({
    name,
    channel_id: channelId,
    ...(options ? { options } : {}),
  });
  const answer = await waitFor(`the answer to /${name}`, () => {
    const { original } = discord.interactionReplies(interaction.id);
    return original && original.content !== '' ? original : undefined;
  });
  expect(discord.interactionResponse(interaction.id)).toMatchObject({ type: 5, data: { flags: 64 } });
  expect(answer.flags).toBe(64);
  expect(discord.messagesIn(channelId)).toHaveLength(postedBefore);
  return answer;
}

const STRING = 3;
const BOOLEAN = 5;

describe('Discord chat commands, end to end (gateway, Redis, BullMQ, fake model)', () => {
  it('/persona in a channel sets the system prompt of a thread in it; /persona shows it', async () => {
    const channelId = discord.addTextChannel('e2e-persona');
    const set = await command(channelId, 'persona', [
      { name: 'text', type: STRING, value: 'You are a pirate.' },
    ]);
    expect(set.content).toContain('Persona set');

    const threadId = discord.addThread('pirate talk', channelId);
    await ask(threadId, 'hello there');
    const [system] = model.requests.at(-1)!.body.messages;
    expect(system?.role).toBe('system');
    expect(String(system?.content)).toContain('You are a pirate.');

    const shown = await command(threadId, 'persona');
    expect(shown.content).toContain('You are a pirate.');

    // Another channel keeps the default prompt.
    const elsewhere = discord.addTextChannel('e2e-no-persona');
    await ask(elsewhere, 'hello there');
    expect(String(model.requests.at(-1)!.body.messages[0]?.content)).not.toContain('pirate');
  });

  it('/usage after an exchange shows the tokens it used', async () => {
    const channelId = discord.addTextChannel('e2e-usage');
    await ask(channelId, 'how many tokens is this?');
    const usage = await command(channelId, 'usage');
    const conversation = /this conversation: ([\d,]+) tokens/.exec(usage.content);
    expect(conversation).not.toBeNull();
    expect(Number(conversation![1]!.replaceAll(',', ''))).toBeGreaterThan(0);
    const channel = /this channel today: ([\d,]+) tokens/.exec(usage.content);
    expect(Number(channel?.[1]?.replaceAll(',', ''))).toBeGreaterThan(0);
  });

  it('/export returns the conversation as an attached JSON file', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const channelId = discord.addTextChannel('e2e-export');
    await ask(channelId, 'My name is Erin', 'Your name is Erin.');
    const exported = await command(channelId, 'export');
    expect(exported.content).toContain('2 messages');
    expect(exported.files).toHaveLength(1);
    const [file] = exported.files;
    expect(file!.name).toMatch(/\.json$/);
    const data = JSON.parse(file!.content);
    expect(data).toMatchObject({
      format: 'parley.session.v1',
      sessionId: `discord:${discord.guildId}:${channelId}`,
    });
    expect(data.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(data.messages[0].content).toContain('My name is Erin');
    expect(data.messages[1].content).toBe('Your name is Erin.');
  });

  it('/memory answers with what the conversation remembers', async () => {
    const channelId = discord.addTextChannel('e2e-memory');
    await ask(channelId, 'remember this');
    const memory = await command(channelId, 'memory');
    expect(memory.content).toContain('I remember the last 2 messages');
    const cleared = await command(channelId, 'memory', [{ name: 'action', type: STRING, value: 'clear' }]);
    // Nothing was summarized yet: the answer says so instead of claiming to have dropped something.
    expect(cleared.content).toContain('There was no summary of older messages to drop');
  });

  it('/forget asks for confirmation; /forget confirm deletes the channel and its threads', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const channelId = discord.addTextChannel('e2e-forget');
    const threadId = discord.addThread('forget thread', channelId);
    await ask(channelId, 'My name is Finn', 'Your name is Finn.');
    await ask(threadId, 'My name is Finn', 'Your name is Finn.');

    const asked = await command(channelId, 'forget');
    expect(asked.content).toContain('forget confirm');
    // Nothing is deleted until confirmed.
    await ask(channelId, "What's my name?", 'Your name is Finn.');

    const done = await command(channelId, 'forget', [{ name: 'confirm', type: BOOLEAN, value: true }]);
    expect(done.content).toContain('Done');
    await ask(channelId, "What's my name?", "I don't know your name.");
    expect(promptText(model.requests.at(-1)!.body.messages)).not.toContain('Finn');
    await ask(threadId, "What's my name?", "I don't know your name.");
    expect(promptText(model.requests.at(-1)!.body.messages)).not.toContain('Finn');
  });

  it('/help lists the commands', async () => {
    const help = await command(discord.channelId, 'help');
    for (const name of ['reset', 'memory', 'persona', 'usage', 'export', 'forget'])
      expect(help.content).toContain(name);
  });
});

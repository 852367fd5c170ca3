import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_DEFINITIONS } from '../../adapters/discord/command-definitions.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

let alpha: FakeOpenAI;
let beta: FakeOpenAI;
let redis: TestRedis;
let discord: FakeDiscord;
let parley: RunningParley;

const STRING = 3;

beforeAll(async () => {
  [alpha, beta, redis, discord] = await Promise.all([
    startFakeOpenAI(),
    startFakeOpenAI(),
    startTestRedis(),
    startFakeDiscord(),
  ]);
  const file = join(mkdtempSync(join(tmpdir(), 'parley-models-')), 'models.json');
  writeFileSync(
    file,
    JSON.stringify({ models: { beta: { model: 'qwen2.5', base_url: beta.url, context_window: 16384 } } }),
  );
  parley = await startTestParley({
    OPENAI_BASE_URL: alpha.url,
    MODELS_FILE: file,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'model-switch-discord',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    ADMIN_USERS: discord.alice.id,
    LOG_LEVEL: 'silent',
  });
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([alpha?.close(), beta?.close(), redis?.close(), discord?.close()]);
});

/** Asks in a channel or thread; resolves which endpoint answered. */
async function ask(channelId: string, question: string): Promise<string> {
  const before = { alpha: alpha.requests.length, beta: beta.requests.length };
  const replies = discord.messagesIn(channelId).length;
  discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} ${question}` });
  await waitFor(`a reply in ${channelId}`, () => discord.messagesIn(channelId).at(replies));
  await queueDrained(parley);
  return [
    ...(alpha.requests.length > before.alpha ? ['alpha'] : []),
    ...(beta.requests.length > before.beta ? ['beta'] : []),
  ].join('+');
}

/** Runs `/model [name]` where `channelId` is and returns the private answer. */
async function model(channelId: string, name?: string): Promise<string> {
  const interaction = discord.sendInteraction({
    name: 'model',
    channel_id: channelId,
    ...(name ? { options: [{ name: 'name', type: STRING, value: name }] } : {}),
  });
  const answer = await waitFor('the answer to /model', () => {
    const { original } = discord.interactionReplies(interaction.id);
    return original && original.content !== '' ? original : undefined;
  });
  expect(answer.flags).toBe(64);
  return answer.content;
}

describe('model per channel and per thread on Discord', () => {
  it('registers /model with an optional name', () => {
    const definition = COMMAND_DEFINITIONS.find((command) => command.name === 'model');
    expect(definition?.options).toEqual([expect.objectContaining({ name: 'name', required: false })]);
  });

  it('/model in a channel switches it and its threads; /model in a thread switches only the thread', async () => {
    const channelId = discord.addTextChannel('e2e-models');
    const firstThread = discord.addThread('first', channelId);
    expect(await ask(firstThread, 'hello')).toBe('alpha');

    expect(await model(channelId, 'beta')).toMatch(/This channel now uses `beta`/);
    expect(await ask(channelId, 'who answers in the channel?')).toBe('beta');
    expect(await ask(firstThread, 'and in the thread?')).toBe('beta');
    expect(beta.requests.at(-1)!.body.model).toBe('qwen2.5');

    const secondThread = discord.addThread('second', channelId);
    expect(await model(secondThread, 'default')).toMatch(/This thread now uses `default`/);
    expect(await ask(secondThread, 'here?')).toBe('alpha');
    expect(await ask(firstThread, 'still beta?')).toBe('beta');
    expect(await model(secondThread)).toContain('This conversation uses `default` (set for this thread).');
    expect(await model(firstThread)).toContain('This conversation uses `beta` (set for this channel).');

    // Another channel keeps the default.
    expect(await ask(discord.addTextChannel('e2e-models-other'), 'hi')).toBe('alpha');
  });
});

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { STOPPED_MARK } from '../../src/turn/phases/complete-with-retry.ts';
import { ANSWER_REF_TTL_MS } from '../../src/usage/answer-refs.ts';
import { createRedisFeedbackLedger } from '../../src/usage/redis-feedback-ledger.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { type CapturedLogs, captureLogs } from '../helpers/captured-logs.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const PREFIX = 'discord-feedback-redis';

let model: FakeOpenAI;
let redis: TestRedis;
let client: Redis;
let discord: FakeDiscord;
let ingressLogs: CapturedLogs;
let ingress: RunningParley;
let worker: RunningParley;

beforeAll(async () => {
  [model, redis, discord] = await Promise.all([
    startFakeOpenAI({ chunkDelayMs: 20 }),
    startTestRedis(),
    startFakeDiscord(),
  ]);
  client = redis.client();
  const env = {
    OPENAI_BASE_URL: model.url,
    MAX_REPLY_TOKENS: '4000',
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    LOG_LEVEL: 'silent',
  };
  ingressLogs = captureLogs();
  // Two pipelines that share only Redis: the gateway and its reactions in one, the answers in the other.
  worker = await startTestParley({ ...env, PARLEY_ROLE: 'worker' });
  ingress = await startTestParley({ ...env, PARLEY_ROLE: 'ingress' }, ingressLogs.logger('debug'));
}, 60_000);

afterAll(async () => {
  await ingress?.stop({ timeoutMs: 5_000 });
  await worker?.stop({ timeoutMs: 5_000 });
  await client?.quit();
  await Promise.all([model?.close(), redis?.close(), discord?.close()]);
});

const logged = (msg: string) => ingressLogs.entries().filter((entry) => entry.msg === msg);

describe('Discord feedback and Stop with Redis (ingress and worker in separate pipelines)', () => {
  it('records a 👍 heard by the ingress on an answer the worker posted, against its session, scope and model', async () => {
    model.respondWith(() => 'A short answer.');
    const thread = discord.addThread('durable feedback');
    discord.sendMessageCreate({ channel_id: thread, content: `${discord.mention} hello` });
    const answer = await waitFor('the answer with its reactions', () =>
      discord.messagesIn(thread).find((message) => message.reactions.length === 2),
    );
    expect(answer.reactions).toEqual(['👍', '👎']);
    const session = `discord:${discord.guildId}:${thread}`;
    const scope = `discord:${discord.guildId}:${discord.channelId}`;
    // The worker remembered the answer in Redis, for as long as usage is kept.
    expect(JSON.parse((await client.get(`${PREFIX}:answer:${answer.id}`))!)).toEqual({
      sessionId: session,
      scopeId: scope,
      model: 'gpt-4o-mini',
    });
    expect(await client.pttl(`${PREFIX}:answer:${answer.id}`)).toBeGreaterThan(ANSWER_REF_TTL_MS - 60_000);

    // The bot's own reaction and one on a person's message go first; the vote that counts comes last.
    const question = discord.sendMessageCreate({ channel_id: thread, content: 'people talking' });
    discord.sendReactionAdd({ messageId: answer.id, emoji: '👍', user: discord.bot });
    discord.sendReactionAdd({ messageId: question.id, emoji: '👍' });
    discord.sendReactionAdd({ messageId: answer.id, emoji: '👍', user: discord.user('erin') });
    await waitFor('the vote recorded', () => logged('feedback recorded').length > 0 || undefined);
    const ledger = createRedisFeedbackLedger({ redis: client, prefix: PREFIX });
    expect(await ledger.read(scope, session)).toEqual({
      session: { up: 1, down: 0 },
      scope: { up: 1, down: 0 },
      byModel: { 'gpt-4o-mini': { up: 1, down: 0 } },
    });
    expect(logged('feedback recorded')).toHaveLength(1);
  }, 30_000);

  it('stops, from the ingress, an answer the worker is streaming (Redis pub/sub)', async () => {
    model.respondWith(() => Array.from({ length: 2_000 }, (_, index) => `w${index}`).join(' '));
    const channelId = discord.addTextChannel('durable-stop');
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} write forever` });
    const { message, stop } = await waitFor('the Stop button', () => {
      const [streamed] = discord.messagesIn(channelId);
      const rows = (streamed?.components ?? []) as Array<{ components: Array<{ custom_id: string }> }>;
      const id = rows[0]?.components[0]?.custom_id;
      return streamed && id && streamed.content.includes('w20 ')
        ? { message: streamed, stop: id }
        : undefined;
    });
    const click = discord.sendComponentInteraction({ customId: stop, messageId: message.id });
    await waitFor('the click acknowledged', () => discord.interactionResponse(click.id));
    expect(discord.interactionResponse(click.id)).toMatchObject({ type: 6 });
    const final = await waitFor('the stopped answer', () =>
      discord.messagesIn(channelId).find((posted) => posted.content.endsWith(STOPPED_MARK)),
    );
    expect(final.content).not.toContain('w1999');
    expect(final.components).toEqual([]);
  }, 30_000);
});

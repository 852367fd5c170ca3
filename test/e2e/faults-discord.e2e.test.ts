import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { mailboxKeys } from '../../src/queue/bullmq/mailbox-keys.ts';
import { sessionId as makeSessionId } from '../../src/turn/session-id.ts';
import { ackReply, expectedAnswer, marker, promptMarkers } from '../fakes/ack-reply.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

/*
 * Discord's REST API failing while replies go out, on the real process path: gateway MESSAGE_CREATE →
 * discord.js ingress → BullMQ on a redis-server of this suite → worker → fake model → Discord REST (fake).
 *
 * A user message is a marker `<name>-t<n>`; the fake model (`ackReply`) answers `ack <marker> after <earlier
 * markers>`, so a reply proves the history its prompt was built from. A reply streams into one message (POST,
 * then PATCH edits), so a failing post meets either the streamed first write or the final one.
 */

const PREFIX = 'faults-discord';
const POST_MESSAGE = 'POST /channels/:channel/messages';
const EDIT_MESSAGE = 'PATCH /channels/:channel/messages/:message';

let model: FakeOpenAI;
let redis: TestRedis;
let discord: FakeDiscord;
let parley: RunningParley;
let client: Redis;
let store: HistoryStore;

beforeAll(async () => {
  [model, redis, discord] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFakeDiscord()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SUMMARY: 'off',
    TURN_MAX_ATTEMPTS: '2',
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    LOG_LEVEL: 'silent',
  });
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  store = createRedisHistoryStore({ redis: client, prefix: PREFIX });
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  client?.disconnect();
  await Promise.all([model?.close(), redis?.close(), discord?.close()]);
});

beforeEach(() => {
  model.reset();
  model.respondWith(ackReply);
  model.setLatency(30);
});

/** Turns here wait behind retries and rate limits: waits allow 30 s. */
const PATIENT = { timeoutMs: 30_000 };

/** A guild channel of its own; each turn mentions the bot there. */
function conversation(name: string) {
  const channelId = discord.addTextChannel(`faults-${name}`);
  const sessionId = makeSessionId('discord', discord.guildId, channelId);
  const keys = mailboxKeys(PREFIX, sessionId);
  const questions: string[] = [];
  return {
    name,
    channelId,
    sessionId,
    questions,
    /** Sends `count` turns, each only once the previous one is numbered in the mailbox (sending order). */
    async send(count: number): Promise<void> {
      for (let index = 0; index < count; index++) {
        const turn = questions.length + 1;
        const sent = discord.sendMessageCreate({
          channel_id: channelId,
          content: `${discord.mention} ${marker(name, turn)}`,
        });
        questions.push(sent.id);
        await waitFor(
          `${marker(name, turn)} to be queued`,
          async () => Number(await client.get(keys.seq)) >= turn,
          PATIENT,
        );
      }
    },
    async settled(): Promise<void> {
      await waitFor(
        `${name}: ${questions.length} turns to be committed`,
        async () => (await store.committedSeq(sessionId)) >= questions.length,
        PATIENT,
      );
    },
  };
}
type Conversation = ReturnType<typeof conversation>;

/** One bot message per turn, in turn order, answering its question; history complete and in order. */
async function expectAnsweredOnce(chat: Conversation): Promise<void> {
  const turns = chat.questions.length;
  const messages = discord.messagesIn(chat.channelId);
  expect(messages.map((message) => message.content)).toEqual(
    Array.from({ length: turns }, (_, index) => expectedAnswer(chat.name, index + 1)),
  );
  expect(messages.map((message) => message.messageReference?.message_id)).toEqual(chat.questions);
  // Nothing was posted and deleted again.
  expect(discord.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
  const history = (await store.load(chat.sessionId)).map((message) => `${message.role}: ${message.content}`);
  expect(history).toEqual(
    Array.from({ length: turns }, (_, index) => [
      `user: ${marker(chat.name, index + 1)}`,
      `assistant: ${expectedAnswer(chat.name, index + 1)}`,
    ]).flat(),
  );
  const { mailbox } = mailboxKeys(PREFIX, chat.sessionId);
  await waitFor(`${chat.name}: the mailbox to drain`, async () => (await client.llen(mailbox)) === 0, {
    timeoutMs: 5_000,
  });
}

/** Model requests made for each turn (attributed by the newest marker in the prompt). */
function modelRequestsPerTurn(chat: Conversation): number[] {
  return chat.questions.map(
    (_, index) =>
      model.requests.filter((request) => promptMarkers(request.body).at(-1) === marker(chat.name, index + 1))
        .length,
  );
}

/** Requests to a route in a channel, by status. */
function statuses(chat: Conversation, route: string): number[] {
  return discord.requests
    .filter((request) => request.route === route && request.path.startsWith(`/channels/${chat.channelId}/`))
    .map((request) => request.status);
}

describe.sequential('faults on the Discord path (gateway, BullMQ on Redis, fake model and REST)', () => {
  it('message post answering 429 with retry-after: each reply arrives once, in order', async () => {
    const chat = conversation('limited');
    discord.failNext(POST_MESSAGE, 2, { status: 429, retryAfter: 1 });
    await chat.send(3);
    await chat.settled();

    expect(statuses(chat, POST_MESSAGE)).toEqual([429, 429, 200, 200, 200]);
    // The REST client waited the rate limit out within the same run.
    expect(modelRequestsPerTurn(chat)).toEqual([1, 1, 1]);
    await expectAnsweredOnce(chat);
  });

  it('message post answering 5xx beyond the REST retries: only the post is retried, one reply each', async () => {
    const chat = conversation('down');
    // The REST client tries a request four times (three retries). Eight failures defeat both posts of turn 1's
    // first attempt (the streamed first write and the final one); the turn keeps its answer and posts it again.
    discord.failNext(POST_MESSAGE, 8, { status: 502 });
    await chat.send(3);
    await chat.settled();

    expect(statuses(chat, POST_MESSAGE)).toEqual([...Array.from({ length: 8 }, () => 502), 200, 200, 200]);
    // One model call per turn: a failed post is not a reason to ask (and bill) the model again.
    expect(modelRequestsPerTurn(chat)).toEqual([1, 1, 1]);
    await expectAnsweredOnce(chat);
  });

  it('edits of a posted reply answering 429 and 5xx: the reply is finished in place, not posted again', async () => {
    const chat = conversation('edits');
    discord.failNext(EDIT_MESSAGE, 1, { status: 429, retryAfter: 1 });
    discord.failNext(EDIT_MESSAGE, 5, { status: 500 });
    await chat.send(3);
    await chat.settled();

    expect(statuses(chat, POST_MESSAGE)).toEqual([200, 200, 200]);
    const edits = statuses(chat, EDIT_MESSAGE);
    expect(edits.slice(0, 6)).toEqual([429, 500, 500, 500, 500, 500]);
    await expectAnsweredOnce(chat);
  });
});

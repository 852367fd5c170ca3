import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/app/errors.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { mailboxKeys } from '../../src/queue/bullmq/mailbox-keys.ts';
import { modelFailureText } from '../../src/turn/turn-processor.ts';
import { ackReply, expectedAnswer, marker, promptMarkers } from '../fakes/ack-reply.ts';
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

/*
 * Faults on the real process path: signed Slack events → Bolt → BullMQ on a redis-server of this suite (AOF)
 * → worker → fake model → fake Slack Web API, all inside one `startParley` (role `all`).
 *
 * Each test talks in a thread of its own. A user message is a marker `<name>-t<n>`; the fake model (`ackReply`)
 * answers `ack <marker> after <earlier markers>`, listing every earlier marker of the thread found in the prompt's
 * user messages. So a reply proves that the user messages of failed turns stayed in the history, in order.
 *
 * Retry budget of a turn (set below): MODEL_MAX_RETRIES=1 (the SDK's retries) × TURN_MAX_ATTEMPTS=2 (the turn
 * processor's attempts) = at most 4 model requests, after which the turn ends with an error message.
 */

const SECRET = 'faults-signing-secret';
const BOT = `<@${FIXTURE.botUserId}>`;
const PREFIX = 'faults-slack';
const MODEL_TIMEOUT_MS = 800;
const REQUESTS_PER_TURN = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let parley: RunningParley;
let client: Redis;
let store: HistoryStore;
let eventsUrl: string;

const SERVER_DOWN_TEXT = modelFailureText(new ModelError('down', { isRetryable: true, status: 500 }));
const RATE_LIMITED_TEXT = modelFailureText(new ModelError('busy', { isRetryable: true, status: 429 }));
const TIMED_OUT_TEXT = modelFailureText(new ModelError('timeout', { isRetryable: true }));

beforeAll(async () => {
  [model, redis, api] = await Promise.all([
    // Chunks a few ms apart: each answer streams (a first post, then the final edit), the path these faults hit;
    // an answer arriving whole is posted once, final.
    startFakeOpenAI({ chunkDelayMs: 5 }),
    startTestRedis({ appendonly: true }),
    startFixtureSlackApi(),
  ]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
    MODEL_MAX_RETRIES: '1',
    TURN_MAX_ATTEMPTS: '2',
    // Rolling summaries would add model calls of their own to the counts below.
    SUMMARY: 'off',
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    SLACK_BOT_TOKEN: 'xoxb-faults',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    // The post-and-edit path (chat.postMessage, chat.update); faults of native streams are in
    // slack-channel-streaming.e2e.test.ts.
    SLACK_STREAMING: 'edit',
    LOG_LEVEL: 'silent',
  });
  eventsUrl = slackEventsUrl(parley);
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => {}); // the Redis restart test drops it on purpose; commands wait and resume
  store = createRedisHistoryStore({ redis: client, prefix: PREFIX });
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  client?.disconnect();
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

beforeEach(() => {
  model.reset();
  model.respondWith(ackReply);
  model.setLatency(30);
});

/** Turns here wait behind retries and backoffs: waits allow 30 s. */
const PATIENT = { timeoutMs: 30_000 };

/** One conversation: a thread started by a mention, each later turn a mention inside it. */
function thread(name: string) {
  const root = nextTs();
  const sessionId = `slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`;
  const keys = mailboxKeys(PREFIX, sessionId);
  let sent = 0;
  return {
    name,
    root,
    sessionId,
    /** Turns sent so far. */
    sent: () => sent,
    /**
     * Sends the next turn as Slack does: an answer other than 200 (the turn could not be queued) is retried with
     * `x-slack-retry-num` until it is accepted. Resolves with every status seen. With `waitForEnqueue` (default)
     * it also waits until the turn is numbered in the session's mailbox.
     */
    async send({ waitForEnqueue = true } = {}): Promise<number[]> {
      sent += 1;
      const text = `${BOT} ${marker(name, sent)}`;
      const payload = sent === 1 ? appMention({ ts: root, text }) : appMention({ thread_ts: root, text });
      const statuses: number[] = [];
      for (let retry = 0; statuses.at(-1) !== 200; retry++) {
        if (retry > 0) await sleep(250);
        expect(retry, `${marker(name, sent)} never accepted: ${statuses.join(', ')}`).toBeLessThan(120);
        const response = await sendSlackEvent(eventsUrl, payload, {
          signingSecret: SECRET,
          ...(retry > 0 ? { retryNum: retry } : {}),
        });
        statuses.push(response.status);
      }
      // A 200 means the turn is in the mailbox; waiting for its number keeps the sending order explicit.
      const turn = sent;
      if (waitForEnqueue)
        await waitFor(
          `${marker(name, turn)} to be queued`,
          async () => Number(await client.get(keys.seq)) >= turn,
          PATIENT,
        );
      return statuses;
    },
    async sendMany(count: number): Promise<void> {
      for (let index = 0; index < count; index++) await this.send();
    },
    /** Waits until every turn sent so far is committed. */
    async settled(timeoutMs = PATIENT.timeoutMs): Promise<void> {
      await waitFor(
        `${name}: ${sent} turns to be committed`,
        async () => (await store.committedSeq(sessionId)) >= sent,
        { timeoutMs },
      );
    },
  };
}
type Thread = ReturnType<typeof thread>;

type Outcome = 'answered' | { error: string };

/** Model requests made for each turn of the thread (attributed by the newest marker in the prompt). */
function requestsPerTurn(conversation: Thread): RecordedRequest[][] {
  return Array.from({ length: conversation.sent() }, (_, index) =>
    model.requests.filter(
      (request) => promptMarkers(request.body).at(-1) === marker(conversation.name, index + 1),
    ),
  );
}

/** The SDK's retry number of each request (0 for the first try of a call). */
const retryCounts = (requests: RecordedRequest[]) =>
  requests.map((request) => Number(request.headers['x-stainless-retry-count'] ?? -1));

/**
 * The whole story of a thread: one bot message per turn, in turn order, each the answer or the error message;
 * the stored history holds every user message and only the answers, in order; nothing was ever deleted.
 */
async function expectThread(conversation: Thread, outcomes: Outcome[]): Promise<void> {
  const { name } = conversation;
  expect(outcomes).toHaveLength(conversation.sent());
  const wantedTexts = outcomes.map((outcome, index) =>
    outcome === 'answered' ? expectedAnswer(name, index + 1) : outcome.error,
  );
  const posted = api.messagesIn(FIXTURE.channel, conversation.root).map((message) => message.text);
  expect(posted).toEqual(wantedTexts);
  // A reply posted twice and then cleaned up would leave a delete behind.
  expect(api.callsTo('chat.delete')).toEqual([]);

  const history = (await store.load(conversation.sessionId)).map(
    (message) => `${message.role}: ${message.content}`,
  );
  const wantedHistory = outcomes.flatMap((outcome, index) => [
    `user: ${marker(name, index + 1)}`,
    ...(outcome === 'answered' ? [`assistant: ${expectedAnswer(name, index + 1)}`] : []),
  ]);
  expect(history).toEqual(wantedHistory);
  expect(await store.committedSeq(conversation.sessionId)).toBe(conversation.sent());
  // The committed turn leaves the mailbox right after its commit.
  const { mailbox } = mailboxKeys(PREFIX, conversation.sessionId);
  await waitFor(`${name}: the mailbox to drain`, async () => (await client.llen(mailbox)) === 0, {
    timeoutMs: 5_000,
  });
}

describe.sequential('faults on the Slack path (Bolt, BullMQ on Redis with AOF, fake model and Web API)', () => {
  it('model endpoint answering 500 for a while: the turn in the outage gets an error, the next is answered after retries', async () => {
    // Six failures: turn 1 spends its whole budget of four requests on them, turn 2 meets the last two.
    model.failNext(6, { status: 500 });
    const conversation = thread('down');
    await conversation.sendMany(4);
    await conversation.settled();

    const perTurn = requestsPerTurn(conversation);
    expect(perTurn.map((requests) => requests.length)).toEqual([REQUESTS_PER_TURN, 3, 1, 1]);
    // The SDK retried once within each processor attempt; the processor made the second attempt itself.
    expect(retryCounts(perTurn[0]!)).toEqual([0, 1, 0, 1]);
    expect(retryCounts(perTurn[1]!)).toEqual([0, 1, 0]);
    await expectThread(conversation, [{ error: SERVER_DOWN_TEXT }, 'answered', 'answered', 'answered']);
  });

  it('model endpoint answering 429 with retry-after: rate-limited message during the outage, then answers', async () => {
    model.failNext(5, { status: 429, retryAfterSeconds: 1 });
    const conversation = thread('limited');
    await conversation.sendMany(3);
    await conversation.settled();

    const perTurn = requestsPerTurn(conversation);
    expect(perTurn.map((requests) => requests.length)).toEqual([REQUESTS_PER_TURN, 2, 1]);
    // Turn 2's first request got the last 429; the SDK waited it out and its retry was answered.
    expect(retryCounts(perTurn[1]!)).toEqual([0, 1]);
    await expectThread(conversation, [{ error: RATE_LIMITED_TEXT }, 'answered', 'answered']);
  });

  it('model slower than MODEL_TIMEOUT_MS: error message, then recovery', async () => {
    let slow = REQUESTS_PER_TURN;
    model.setLatency(() => (slow-- > 0 ? MODEL_TIMEOUT_MS * 2 : 30));
    const conversation = thread('slow');
    await conversation.sendMany(3);
    await conversation.settled();

    const perTurn = requestsPerTurn(conversation);
    expect(perTurn.map((requests) => requests.length)).toEqual([REQUESTS_PER_TURN, 1, 1]);
    await expectThread(conversation, [{ error: TIMED_OUT_TEXT }, 'answered', 'answered']);
  });

  it('a stream that breaks mid-reply is asked again and only the whole reply is kept', async () => {
    // The connection closes after two chunks of text, with neither a finish reason nor `[DONE]`.
    model.cutStreamNext(1, { afterChunks: 2, mode: 'end' });
    const conversation = thread('cut');
    await conversation.sendMany(2);
    await conversation.settled();

    const perTurn = requestsPerTurn(conversation);
    expect(perTurn.map((requests) => requests.length)).toEqual([2, 1]);
    // Not the SDK's retry (the stream had started): the turn processor asked again.
    expect(retryCounts(perTurn[0]!)).toEqual([0, 0]);
    // The broken start was on screen (streamed into the reply) before the whole answer replaced it.
    const firstPost = api
      .callsTo('chat.postMessage')
      .find((call) => call.body.thread_ts === conversation.root);
    expect(expectedAnswer('cut', 1).startsWith(String(firstPost?.body.text))).toBe(true);
    expect(firstPost?.body.text).not.toBe(expectedAnswer('cut', 1));
    await expectThread(conversation, ['answered', 'answered']);
  });

  it('chat.postMessage answering 429 with Retry-After: each reply is posted once, in order', async () => {
    api.failNext('chat.postMessage', 2, { status: 429, retryAfter: 1 });
    const conversation = thread('postlimited');
    await conversation.sendMany(3);
    await conversation.settled();

    const posts = api.callsTo('chat.postMessage').filter((call) => call.body.thread_ts === conversation.root);
    // Two rejected attempts, then one accepted post per turn.
    expect(posts).toHaveLength(2 + 3);
    expect(requestsPerTurn(conversation).map((requests) => requests.length)).toEqual([1, 1, 1]);
    await expectThread(conversation, ['answered', 'answered', 'answered']);
  });

  it('chat.postMessage answering 5xx beyond the client retries: only the post is retried, the model asked once', async () => {
    // The WebClient tries a call four times (three retries). Eight failures defeat both posts of turn 1's first
    // attempt (the streamed first write and the final one); the turn keeps its answer and posts it again.
    api.failNext('chat.postMessage', 8, { status: 503 });
    const conversation = thread('postdown');
    await conversation.sendMany(3);
    await conversation.settled(45_000);

    const posts = api.callsTo('chat.postMessage').filter((call) => call.body.thread_ts === conversation.root);
    expect(posts).toHaveLength(8 + 3);
    // One model call per turn: a failed post is not a reason to ask (and bill) the model again.
    expect(requestsPerTurn(conversation).map((requests) => requests.length)).toEqual([1, 1, 1]);
    await expectThread(conversation, ['answered', 'answered', 'answered']);
  });

  it('chat.postMessage answering channel_not_found: not retried, the answer committed, the session moves on', async () => {
    // Both posts of turn 1 (the streamed first write and the final one) are refused for good.
    api.failNext('chat.postMessage', 2, { ok: false, error: 'channel_not_found' });
    const conversation = thread('gone');
    await conversation.sendMany(2);
    await conversation.settled();

    const finalPostsOfTurn1 = api
      .callsTo('chat.postMessage')
      .filter(
        (call) => call.body.thread_ts === conversation.root && call.body.text === expectedAnswer('gone', 1),
      );
    // Exactly the one attempt: retrying a refusal like this would only be refused again.
    expect(finalPostsOfTurn1).toHaveLength(1);
    expect(requestsPerTurn(conversation).map((requests) => requests.length)).toEqual([1, 1]);
    const posted = api.messagesIn(FIXTURE.channel, conversation.root).map((message) => message.text);
    expect(posted).toEqual([expectedAnswer('gone', 2)]);
    const history = (await store.load(conversation.sessionId)).map((message) => message.content);
    expect(history).toEqual([
      marker('gone', 1),
      expectedAnswer('gone', 1),
      marker('gone', 2),
      expectedAnswer('gone', 2),
    ]);
  });

  it('chat.update answering 429 and 5xx: the posted reply is edited, never posted twice', async () => {
    const conversation = thread('update');
    // The first reply's final text goes out as an edit of the message posted while streaming.
    api.failNext('chat.update', 2, { status: 429, retryAfter: 1 });
    await conversation.sendMany(2);
    await conversation.settled();
    api.failNext('chat.update', 6, { status: 500 });
    await conversation.sendMany(2);
    await conversation.settled();

    const updates = api
      .callsTo('chat.update')
      .filter((call) => api.messages.get(String(call.body.ts))?.thread_ts === conversation.root);
    expect(updates.length).toBeGreaterThanOrEqual(2 + 6);
    const posts = api.callsTo('chat.postMessage').filter((call) => call.body.thread_ts === conversation.root);
    expect(posts).toHaveLength(4);
    await expectThread(conversation, ['answered', 'answered', 'answered', 'answered']);
  });

  it('Redis killed and restarted mid-run (AOF): queued turns are answered afterwards, none twice', async () => {
    model.setLatency(150);
    const conversations = [thread('ra'), thread('rb'), thread('rc')];
    for (let round = 0; round < 4; round++)
      for (const conversation of conversations) await conversation.send();
    await waitFor(
      'the first turn to be committed',
      async () => (await store.committedSeq(conversations[0]!.sessionId)) >= 1,
      PATIENT,
    );
    const pendingBefore = await parley.queue.pendingCount();
    expect(pendingBefore).toBeGreaterThan(0);

    await redis.stop({ hard: true });
    // Sent while Redis is down: refused (so Slack keeps it and retries), accepted once Redis is back.
    const duringOutage = conversations[0]!.send({ waitForEnqueue: false });
    // Longer than the ingress waits for an enqueue (2 s), so the first attempt is refused before Redis returns.
    await sleep(3_000);
    await redis.restart();
    const statuses = await duringOutage;
    expect(statuses[0]).toBeGreaterThanOrEqual(500);
    expect(statuses.at(-1)).toBe(200);
    for (const conversation of conversations) await conversation.send();
    for (const conversation of conversations) await conversation.settled(60_000);

    for (const conversation of conversations) {
      await expectThread(
        conversation,
        Array.from({ length: conversation.sent() }, () => 'answered' as const),
      );
      // Each turn reached the model; a re-run after the outage may ask again, but never posts again.
      for (const requests of requestsPerTurn(conversation)) expect(requests.length).toBeGreaterThanOrEqual(1);
    }
    expect(await parley.queue.pendingCount()).toBe(0);
  }, 90_000);
});

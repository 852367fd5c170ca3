import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { type ClickTarget, clickSlackButton, mentionBot, stopButtonOf } from '../helpers/test-slack-click.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'channel-streaming-signing-secret';
const OTHER = 'U0BYSTANDER';
const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index}`).join(' ');

let model: FakeOpenAI;
let api: FakeSlackApi;
let redis: TestRedis;
let parley: RunningParley;
let clicks: ClickTarget;

beforeAll(async () => {
  [model, api, redis] = await Promise.all([
    startFakeOpenAI({ chunkDelayMs: 20, chunkChars: 16 }),
    startFixtureSlackApi(),
    startTestRedis(),
  ]);
  api.users.set(OTHER, { id: OTHER, name: 'bob', profile: { display_name: 'Bob' } });
  // Durable mode: turns travel through Redis as JSON, and a Stop click reaches the worker by pub/sub.
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    SLACK_BOT_TOKEN: 'xoxb-channel-streaming',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    SLACK_STREAMING: 'native',
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'chanstream',
    MAX_REPLY_TOKENS: '8000',
    LOG_LEVEL: 'silent',
  });
  clicks = { url: slackEventsUrl(parley), signingSecret: SECRET, api };
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), api?.close()]);
  await redis?.close();
});

beforeEach(() => {
  model.reset();
  api.ai.refuseStreams(undefined);
});

const mention = (text: string) => mentionBot(clicks, text);

const callsIn = (method: string, thread: string) =>
  api.callsTo(method).filter((call) => call.body.thread_ts === thread);

/** The thread's answer (the first bot message that is not the Stop control) once final and showing `text`. */
const settled = (thread: string, text: string) =>
  waitFor(
    `a settled answer in ${thread}`,
    () => {
      const messages = api.messagesIn(FIXTURE.channel, thread);
      const answer = messages.find((message) => !message.text.startsWith('Writing an answer'));
      return answer && !answer.streaming && answer.text.includes(text) ? answer : undefined;
    },
    { timeoutMs: 20_000 },
  );

/** The separate Stop message a native stream shows. */
const stopControl = (thread: string) =>
  waitFor('the Stop control', () =>
    api.messagesIn(FIXTURE.channel, thread).find((message) => stopButtonOf(message.blocks)),
  );

describe('native streaming in channel threads (SLACK_STREAMING=native)', () => {
  it('streams a channel mention with startStream addressed to the asker', async () => {
    model.respondWith(() => words(250));
    const thread = await mention('Count for me');
    const answer = await settled(thread, 'w249');
    expect(answer.text).toBe(words(250));
    const [start, ...more] = callsIn('chat.startStream', thread);
    expect(more).toHaveLength(0);
    expect(start!.body).toMatchObject({
      channel: FIXTURE.channel,
      recipient_user_id: FIXTURE.user,
      recipient_team_id: FIXTURE.team,
    });
    expect(start!.status).toBe(200);
    expect(
      api.callsTo('chat.appendStream').filter((call) => call.body.ts === answer.ts).length,
    ).toBeGreaterThan(0);
    expect(api.callsTo('chat.update').filter((call) => call.body.ts === answer.ts)).toHaveLength(0);
    // Only the answer is left: the Stop control went once it was final.
    await waitFor('the Stop control removed', () => api.messagesIn(FIXTURE.channel, thread).length === 1);
  });

  it('shows no Stop message for an answer done before anyone could click it', async () => {
    model.respondWith(() => words(12));
    const deletes = api.callsTo('chat.delete').length;
    const thread = await mention('Quick one');
    const answer = await settled(thread, 'w11');
    expect(answer.text).toBe(words(12));
    expect(callsIn('chat.startStream', thread)).toHaveLength(1);
    // Neither posted nor deleted: a Stop message for it would only have flashed in the thread.
    expect(callsIn('chat.postMessage', thread)).toHaveLength(0);
    expect(api.callsTo('chat.delete')).toHaveLength(deletes);
  });

  it("refuses a non-asker's Stop on a native stream, and stops for the asker", async () => {
    model.respondWith(() => words(2_000));
    const thread = await mention('Write forever');
    const control = await stopControl(thread);
    const button = stopButtonOf(control.blocks)!;
    expect(button.value).toBe(`${FIXTURE.channel}:${thread}:${FIXTURE.user}`);
    await waitFor('some streamed text', () =>
      api.messagesIn(FIXTURE.channel, thread).some((message) => message.text.includes('w40')),
    );
    expect((await clickSlackButton(clicks, control, { type: 'button', ...button }, OTHER)).status).toBe(200);
    const refusal = await waitFor('the refusal', () =>
      api.callsTo('chat.postEphemeral').find((call) => call.body.user === OTHER),
    );
    expect(refusal.body.text).toBe(`Only <@${FIXTURE.user}> can stop this answer.`);
    // Still streaming after the refusal; a later text proves it went on.
    await waitFor('more streamed text', () =>
      api.messagesIn(FIXTURE.channel, thread).some((message) => message.text.includes('w200')),
    );
    expect((await clickSlackButton(clicks, control, { type: 'button', ...button })).status).toBe(200);
    const answer = await settled(thread, '_(stopped)_');
    expect(answer.text).toContain('w200');
    expect(answer.text).not.toContain('w1999');
  });

  it('falls back to post-and-edit, with Stop in the edited message, when Slack refuses the stream', async () => {
    model.respondWith(() => words(300));
    api.ai.refuseStreams('missing_recipient_team_id');
    const thread = await mention('Count again');
    const streaming = await waitFor('the edited answer with Stop', () => {
      const answer = api.messagesIn(FIXTURE.channel, thread)[0];
      return answer && stopButtonOf(answer.blocks) ? answer : undefined;
    });
    expect(stopButtonOf(streaming.blocks)!.value).toBe(`${FIXTURE.channel}:${thread}:${FIXTURE.user}`);
    const answer = await settled(thread, 'w299');
    expect(callsIn('chat.startStream', thread).length).toBeGreaterThanOrEqual(1);
    expect(api.callsTo('chat.update').filter((call) => call.body.ts === answer.ts).length).toBeGreaterThan(0);
    await waitFor('the final blocks', () => !stopButtonOf(api.messages.get(answer.ts)?.blocks));
  });

  it('answers a turn queued before turns named their recipient by post-and-edit', async () => {
    model.respondWith(() => 'An answer for an older turn.');
    const ts = nextTs();
    // As an older version stored it in Redis: no `recipient` in its target.
    const turn: Turn = {
      id: `${FIXTURE.channel}:${ts}`,
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}:${ts}`,
      kind: 'message',
      messageRef: ts,
      scopeId: `slack:${FIXTURE.team}:${FIXTURE.channel}`,
      author: { id: FIXTURE.user, name: 'Alice' },
      text: 'An old question',
      target: {
        platform: 'slack',
        channelId: FIXTURE.channel,
        threadId: ts,
        workspaceId: FIXTURE.team,
        replyToMessageId: ts,
      },
      receivedAt: Date.now(),
    };
    expect((await parley.queue.enqueue(turn)).accepted).toBe(true);
    const answer = await settled(ts, 'An answer for an older turn.');
    expect(callsIn('chat.startStream', ts)).toHaveLength(0);
    expect(callsIn('chat.postMessage', ts)).toHaveLength(1);
    await waitFor('the final blocks', () => !stopButtonOf(api.messages.get(answer.ts)?.blocks));
  });

  it('answers once by post-and-edit when chat.startStream keeps failing with 5xx beyond the client retries', async () => {
    model.respondWith(() => words(120));
    // The WebClient tries a call four times: all four starts fail, so the reply falls back for this answer.
    api.failNext('chat.startStream', 4, { status: 503 });
    const thread = await mention('Count despite an outage');
    const answer = await settled(thread, 'w119');
    expect(answer.text).toBe(words(120));
    expect(callsIn('chat.startStream', thread).map((call) => call.status)).toEqual([503, 503, 503, 503]);
    // One answer in the thread, asked of the model once: a failed start is no reason to ask again.
    await waitFor('only the answer left', () => api.messagesIn(FIXTURE.channel, thread).length === 1);
    expect(model.requests).toHaveLength(1);
  });

  it('keeps streaming through chat.appendStream answering 429 with Retry-After, the answer whole and single', async () => {
    model.respondWith(() => words(300));
    api.failNext('chat.appendStream', 2, { status: 429, retryAfter: 1 });
    const thread = await mention('Count through the rate limit');
    const answer = await settled(thread, 'w299');
    expect(answer.text).toBe(words(300));
    expect(callsIn('chat.startStream', thread)).toHaveLength(1);
    expect(api.callsTo('chat.appendStream').filter((call) => call.status === 429)).toHaveLength(2);
    await waitFor('only the answer left', () => api.messagesIn(FIXTURE.channel, thread).length === 1);
    expect(model.requests).toHaveLength(1);
  });

  it('closes the stream when chat.stopStream fails once with 5xx (the client retries it)', async () => {
    model.respondWith(() => words(60));
    api.failNext('chat.stopStream', 1, { status: 500 });
    const thread = await mention('Count and stop');
    const answer = await settled(thread, 'w59');
    expect(answer.text).toBe(words(60));
    expect(
      api
        .callsTo('chat.stopStream')
        .filter((call) => call.body.ts === answer.ts)
        .map((call) => call.status),
    ).toEqual([500, 200]);
    expect(model.requests).toHaveLength(1);
  });
});

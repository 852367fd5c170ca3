import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { promptText } from '../fakes/name-from-prompt.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import {
  appMention,
  channelMessage,
  FIXTURE,
  messageDelete,
  messageEdit,
  nextTs,
} from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Conversations as people have them, on Slack: follow-ups in a thread the bot is part of, messages to others
// remembered, edits and deletes — the whole product (Bolt over HTTP, Redis, BullMQ, fake model, fake Slack).

const SECRET = 'follow-ups-secret';
const BOT = `<@${FIXTURE.botUserId}>`;
const ENV = {
  REDIS_PREFIX: 'slack-follow-ups-e2e',
  SLACK_BOT_TOKEN: 'xoxb-follow-ups',
  SLACK_SIGNING_SECRET: SECRET,
  FOLLOW_UPS: 'thread',
  LOG_LEVEL: 'silent',
};

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let parley: RunningParley;

const start = () =>
  startTestParley({ ...ENV, OPENAI_BASE_URL: model.url, REDIS_URL: redis.url, SLACK_API_URL: api.url });

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
  api.users.set('U0BOB', { id: 'U0BOB', name: 'bob', profile: { display_name: 'Bob' } });
  parley = await start();
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

beforeEach(() => {
  model.reset();
  model.respondWith((body) => `answer ${body.messages.filter((message) => message.role === 'user').length}`);
});

async function send(payload: unknown): Promise<void> {
  const response = await sendSlackEvent(slackEventsUrl(parley), payload, { signingSecret: SECRET });
  expect(response.status).toBe(200);
}

const replies = (channel: string, threadTs: string) => api.messagesIn(channel, threadTs);

function waitForReplies(channel: string, threadTs: string, count: number) {
  return waitFor(
    () => `${count} replies in ${channel}/${threadTs}, got ${replies(channel, threadTs).length}`,
    () => (replies(channel, threadTs).length >= count ? replies(channel, threadTs) : undefined),
  );
}

/** A mention that starts a thread, answered; returns the thread's root ts. */
async function startThread(text = 'hello', channel: string = FIXTURE.channel): Promise<string> {
  const root = nextTs();
  await send(appMention({ ts: root, channel, text: `${BOT} ${text}` }));
  await waitForReplies(channel, root, 1);
  return root;
}

describe('Slack follow-ups, end to end', () => {
  it('answers a follow-up in the thread without a mention', async () => {
    const root = await startThread('My name is Alice');
    await send(channelMessage({ thread_ts: root, text: 'and what is my name?' }));
    await waitForReplies(FIXTURE.channel, root, 2);
    const prompt = promptText(model.requests[1]!.body.messages);
    expect(prompt).toContain('My name is Alice');
    expect(prompt).toContain('and what is my name?');
  });

  it('does not answer a message to someone else, but the next request carries it and who wrote it', async () => {
    const root = await startThread('we are debugging the deploy');
    await send(channelMessage({ thread_ts: root, text: '<@U0BOB> can you check the logs?' }));
    await queueDrained(parley);
    expect(replies(FIXTURE.channel, root)).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
    // Remembered (as `listen`) in the thread's stored history, with its author.
    const stored = await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`);
    expect(stored.find((message) => message.content.includes('check the logs'))?.author?.name).toBe('Alice');

    await send(channelMessage({ thread_ts: root, text: 'what did I ask Bob?' }));
    await waitForReplies(FIXTURE.channel, root, 2);
    const asked = model.requests[1]!.body.messages.find((message) =>
      String(message.content).includes('@Bob can you check the logs?'),
    );
    expect(JSON.stringify(asked)).toContain('Alice');
  });

  it('stays silent in a thread it is not part of', async () => {
    const root = nextTs();
    await send(channelMessage({ ts: root, text: 'a thread among people' }));
    await send(channelMessage({ thread_ts: root, text: 'a reply among people' }));
    await queueDrained(parley);
    expect(replies(FIXTURE.channel, root)).toEqual([]);
    expect(model.requests).toEqual([]);
    expect(await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`)).toEqual([]);
  });

  it('still answers a follow-up after Parley restarts between the mention and it', async () => {
    const root = await startThread('remember the number 42');
    await parley.stop({ timeoutMs: 5_000 });
    parley = await start();
    await send(channelMessage({ thread_ts: root, text: 'which number was it?' }));
    await waitForReplies(FIXTURE.channel, root, 2);
    expect(promptText(model.requests.at(-1)!.body.messages)).toContain('remember the number 42');
  });

  it('answers a mention in a group DM (mpim) in a thread, and its follow-up', async () => {
    const group = 'G0MPIM1';
    const root = nextTs();
    await send(channelMessage({ ts: root, channel: group, channel_type: 'mpim', text: `${BOT} hi all` }));
    await waitForReplies(group, root, 1);
    await send(channelMessage({ thread_ts: root, channel: group, channel_type: 'mpim', text: 'and you?' }));
    await waitForReplies(group, root, 2);
  });
});

describe('Slack edits and deletes, end to end (depend on the turn processor)', () => {
  it('answers an edited question again, in place of the first answer', async () => {
    const root = nextTs();
    await send(appMention({ ts: root, text: `${BOT} What is 2+2?` }));
    const [reply] = await waitForReplies(FIXTURE.channel, root, 1);
    model.respondWith(() => 'six');
    await send(messageEdit({ ts: root, text: `${BOT} What is 3+3?`, previousText: `${BOT} What is 2+2?` }));
    await waitFor('the answer edited in place', () => api.messages.get(reply!.ts)?.text === 'six');
    expect(replies(FIXTURE.channel, root)).toHaveLength(1);
    const prompt = promptText(model.requests.at(-1)!.body.messages);
    expect(prompt).toContain('What is 3+3?');
    expect(prompt).not.toContain('What is 2+2?');
  });

  it("removes the bot's answer when its question is deleted", async () => {
    const root = await startThread('a question I regret');
    const [reply] = replies(FIXTURE.channel, root);
    await send(messageDelete({ ts: root, previousText: `${BOT} a question I regret` }));
    await waitFor('the answer deleted', () => !api.messages.has(reply!.ts));
    expect(api.callsTo('chat.delete').map((call) => call.body.ts)).toContain(reply!.ts);
    await queueDrained(parley);
    const stored = await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`);
    expect(stored.some((message) => message.content.includes('a question I regret'))).toBe(false);
  });
});

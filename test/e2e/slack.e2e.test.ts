import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeMessage, FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { nameFromPrompt, promptText } from '../fakes/name-from-prompt.ts';
import { sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import {
  appMention,
  channelMessageCopy,
  directMessage,
  FIXTURE,
  nextTs,
  slashReset,
} from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'e2e-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let parley: RunningParley;
let url: string;

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'slack-e2e',
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    LOG_LEVEL: 'silent',
  });
  url = slackEventsUrl(parley);
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

afterEach(() => model.reset());

/** The bot's replies in a thread (or, without `threadTs`, at a DM's top level), oldest first. */
function repliesIn(channel: string, threadTs?: string): FakeMessage[] {
  return api
    .messagesIn(channel, threadTs)
    .filter((message) => (threadTs === undefined ? message.thread_ts === undefined : true));
}

/** Waits until there are `count` replies there and the newest one reads `text`; returns the replies. */
function waitForReplies(channel: string, threadTs: string | undefined, count: number, text?: string) {
  return waitFor(
    () =>
      `${count} replies in ${channel}/${threadTs}, got ${JSON.stringify(repliesIn(channel, threadTs).map((r) => r.text))}`,
    () => {
      const replies = repliesIn(channel, threadTs);
      const done = replies.length >= count && (text === undefined || replies[count - 1]?.text === text);
      return done ? replies : undefined;
    },
  );
}

async function send(payload: unknown, options: { retryNum?: number } = {}) {
  const response = await sendSlackEvent(url, payload, { ...signed, ...options });
  expect(response.status).toBe(200);
}

describe('Parley on Slack, end to end (HTTP events, Redis, BullMQ, fake model)', () => {
  it('remembers a thread: the second request carries the first exchange', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const root = nextTs();
    await send(appMention({ ts: root, text: `${BOT} My name is Alice` }));
    await waitForReplies(FIXTURE.channel, root, 1, 'Your name is Alice.');
    await send(appMention({ thread_ts: root, text: `${BOT} What's my name?` }));
    await waitForReplies(FIXTURE.channel, root, 2, 'Your name is Alice.');

    expect(model.requests).toHaveLength(2);
    const second = model.requests[1]!.body.messages;
    expect(second.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second[1]?.content).toContain('My name is Alice');
    expect(second[2]?.content).toBe('Your name is Alice.');
    expect(second[3]?.content).toContain("What's my name?");
  });

  it('keeps threads, channels and workspaces apart', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const root = nextTs();
    await send(appMention({ ts: root, text: `${BOT} My name is Alice` }));
    await waitForReplies(FIXTURE.channel, root, 1, 'Your name is Alice.');

    const otherThread = nextTs();
    await send(appMention({ ts: otherThread, text: `${BOT} What's my name?` }));
    await waitForReplies(FIXTURE.channel, otherThread, 1, "I don't know your name.");

    const otherChannel = nextTs();
    await send(appMention({ ts: otherChannel, channel: 'C0OTHER', text: `${BOT} What's my name?` }));
    await waitForReplies('C0OTHER', otherChannel, 1, "I don't know your name.");

    // Same channel id and ts in another workspace: another session.
    await send(
      appMention(
        { ts: root, team: 'T0OTHER', text: `${BOT} What's my name?` },
        { team_id: 'T0OTHER', event_id: 'Ev0OTHERTEAM' },
      ),
    );
    await waitForReplies(FIXTURE.channel, root, 2, "I don't know your name.");
    for (const request of model.requests.slice(1))
      expect(promptText(request.body.messages)).not.toContain('My name is Alice');
  });

  it('remembers a DM, and /reset there makes it forget', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const dm = 'D0MEMORY';
    await send(directMessage({ channel: dm, text: 'My name is Bob' }));
    await waitForReplies(dm, undefined, 1, 'Your name is Bob.');
    await send(directMessage({ channel: dm, text: "What's my name?" }));
    await waitForReplies(dm, undefined, 2, 'Your name is Bob.');

    const reset = await sendSlashCommand(
      url,
      slashReset({ channel_id: dm, channel_name: 'directmessage' }),
      signed,
    );
    expect(reset.json).toMatchObject({ response_type: 'ephemeral' });
    expect((reset.json as { text: string }).text).toMatch(/forgotten/);
    await send(directMessage({ channel: dm, text: "What's my name?" }));
    await waitForReplies(dm, undefined, 3, "I don't know your name.");
    expect(promptText(model.requests.at(-1)!.body.messages)).not.toContain('Bob');
  });

  it('"@bot reset" in a thread clears that thread', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const root = nextTs();
    await send(appMention({ ts: root, text: `${BOT} My name is Carol` }));
    await waitForReplies(FIXTURE.channel, root, 1, 'Your name is Carol.');
    const ephemeralBefore = api.callsTo('chat.postEphemeral').length;
    await send(appMention({ thread_ts: root, text: `${BOT} reset` }));
    await api.waitFor(() => api.callsTo('chat.postEphemeral').length > ephemeralBefore);
    await send(appMention({ thread_ts: root, text: `${BOT} What's my name?` }));
    await waitForReplies(FIXTURE.channel, root, 2, "I don't know your name.");
    expect(model.requests).toHaveLength(2);
  });

  it('answers a retried event and a double-delivered mention once', async () => {
    const root = nextTs();
    const mention = appMention({ ts: root, text: `${BOT} only once please` });
    await send(mention);
    await send(mention, { retryNum: 1 });
    await send(channelMessageCopy(mention));
    await send(mention, { retryNum: 2 });
    await waitForReplies(FIXTURE.channel, root, 1);
    // A later message in the same session is processed after anything enqueued before it.
    await send(appMention({ thread_ts: root, text: `${BOT} and this` }));
    const replies = await waitForReplies(FIXTURE.channel, root, 2);
    expect(replies).toHaveLength(2);
    const asked = model.requests.filter((request) => {
      const last = request.body.messages.at(-1);
      return last?.role === 'user' && String(last.content).includes('only once please');
    });
    expect(asked).toHaveLength(1);
  });

  it('answers 10 quick mentions in one thread in order', async () => {
    const root = nextTs();
    await send(appMention({ ts: root, text: `${BOT} let us count` }));
    await waitForReplies(FIXTURE.channel, root, 1);
    for (let index = 0; index < 10; index++) {
      await send(appMention({ thread_ts: root, text: `${BOT} message ${index}` }));
    }
    // The last answer's final edit may wait for the workspace's chat.update budget: wait for its final text.
    const replies = await waitForReplies(FIXTURE.channel, root, 11, 'Echo: Alice: message 9');
    const expected = Array.from({ length: 10 }, (_, index) => `message ${index}`);
    expect(replies.slice(1).map((reply) => /message \d+/.exec(reply.text)?.[0])).toEqual(expected);
    const asked = model.requests
      .slice(1)
      .map((request) => /message \d+/.exec(String(request.body.messages.at(-1)?.content))?.[0]);
    expect(asked).toEqual(expected);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeMessage, FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { nameFromPrompt, promptText } from '../fakes/name-from-prompt.ts';
import { sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs, slashCommand } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'commands-e2e-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
const DEFAULT_PROMPT = 'You are the default test assistant.';

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;

/** A Parley process (HTTP events, Redis, BullMQ) against the shared fakes. */
function startSlackParley(prefix: string, env: Record<string, string> = {}) {
  return startTestParley({
    OPENAI_BASE_URL: model.url,
    SYSTEM_PROMPT: DEFAULT_PROMPT,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    // The fixture's user runs every command here, changes included; access-control.e2e tests who may.
    ADMIN_USERS: FIXTURE.user,
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** Talks to one running Parley the way Slack and a person would. */
function client(parley: RunningParley) {
  const url = slackEventsUrl(parley);
  const settle = () => queueDrained(parley);

  /** The bot's replies in a thread, oldest first. */
  const repliesIn = (channel: string, threadTs: string): FakeMessage[] => api.messagesIn(channel, threadTs);

  return {
    settle,
    /**
     * Mentions the bot (a new thread at `ts`, or inside `thread_ts`) and waits for its reply there — until it
     * reads `expected`, when given — and for the turn to be stored.
     */
    async ask(
      channel: string,
      thread: { ts?: string; thread_ts?: string },
      text: string,
      expected?: string,
    ): Promise<void> {
      const threadTs = thread.thread_ts ?? thread.ts!;
      const before = repliesIn(channel, threadTs).length;
      const requests = model.requests.length;
      const response = await sendSlackEvent(
        url,
        appMention({ channel, ...thread, text: `${BOT} ${text}` }),
        signed,
      );
      expect(response.status).toBe(200);
      await waitFor(`a reply in ${channel}/${threadTs}`, () => {
        const last = repliesIn(channel, threadTs).at(before);
        if (!last) return undefined;
        return expected === undefined || last.text === expected ? last : undefined;
      });
      // The reply is posted before the turn is committed; the store tells when it is.
      const answered = model.requests.length > requests;
      expect(answered).toBe(true);
      await settle();
    },

    /** Runs a slash command in a channel; checks the empty ack and returns the private answer (response_url). */
    async slash(channel: string, command: string, text = ''): Promise<string> {
      const responseUrl = api.responseUrl();
      const response = await sendSlashCommand(
        url,
        slashCommand(command, text, { channel_id: channel, response_url: responseUrl }),
        signed,
      );
      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      const path = new URL(responseUrl).pathname;
      const answer = await waitFor(`an answer to ${command}`, () =>
        api.responses.find((posted) => posted.path === path),
      );
      expect(answer.body.response_type).toBe('ephemeral');
      return String(answer.body.text);
    },

    /** Writes "@bot <command>" in a thread; returns the ephemeral answer posted there to the invoker. */
    /** Sends "@bot <text>" in a thread without waiting for anything. */
    async mention(channel: string, threadTs: string, text: string): Promise<void> {
      const response = await sendSlackEvent(
        url,
        appMention({ channel, thread_ts: threadTs, text: `${BOT} ${text}` }),
        signed,
      );
      expect(response.status).toBe(200);
    },

    async mentionCommand(channel: string, threadTs: string, text: string): Promise<string> {
      const before = api.callsTo('chat.postEphemeral').length;
      const posts = api.callsTo('chat.postMessage').length;
      await sendSlackEvent(url, appMention({ channel, thread_ts: threadTs, text: `${BOT} ${text}` }), signed);
      const call = await waitFor(`an ephemeral answer to "${text}"`, () =>
        api
          .callsTo('chat.postEphemeral')
          .slice(before)
          .find((candidate) => candidate.body.thread_ts === threadTs),
      );
      expect(call.body).toMatchObject({ channel, user: FIXTURE.user });
      // Answered privately: nothing was posted in the conversation.
      expect(api.callsTo('chat.postMessage').length).toBe(posts);
      return String(call.body.text);
    },
  };
}

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
});

afterAll(async () => {
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

afterEach(() => model.reset());

describe('Slack commands end to end (one conversation per thread)', () => {
  let parley: RunningParley;
  let slack: ReturnType<typeof client>;

  beforeAll(async () => {
    parley = await startSlackParley('slack-commands-e2e');
    slack = client(parley);
  });

  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
  });

  it('/persona in a channel reaches its threads; /persona shows it; /persona reset restores the default', async () => {
    const channel = 'C0PERSONA';
    expect(await slack.slash(channel, '/persona', 'You are a pirate.')).toMatch(/Persona set/);

    const root = nextTs();
    await slack.ask(channel, { ts: root }, 'Hello there');
    await slack.ask(channel, { thread_ts: root }, 'And again');
    expect(model.requests).toHaveLength(2);
    for (const request of model.requests) {
      expect(request.body.messages[0]).toEqual({ role: 'system', content: 'You are a pirate.' });
    }

    const shown = await slack.slash(channel, '/persona');
    expect(shown).toContain('You are a pirate.');
    // The umbrella runs the same command.
    expect(await slack.slash(channel, '/parley', 'persona')).toContain('You are a pirate.');

    expect(await slack.slash(channel, '/persona', 'reset')).toMatch(/Persona reset/);
    await slack.ask(channel, { thread_ts: root }, 'Who are you now?');
    expect(model.requests.at(-1)?.body.messages[0]).toEqual({ role: 'system', content: DEFAULT_PROMPT });
    // Another channel never had the persona.
    await slack.ask('C0PLAIN', { ts: nextTs() }, 'Hi');
    expect(model.requests.at(-1)?.body.messages[0]?.content).toBe(DEFAULT_PROMPT);
  });

  it('"@bot persona <text>" in a thread sets the persona of its channel', async () => {
    const channel = 'C0THREADPERSONA';
    const root = nextTs();
    await slack.ask(channel, { ts: root }, 'Hello');
    expect(await slack.mentionCommand(channel, root, 'persona Answer in haiku.')).toMatch(/Persona set/);
    await slack.ask(channel, { ts: nextTs() }, 'A new thread');
    expect(model.requests.at(-1)?.body.messages[0]).toEqual({ role: 'system', content: 'Answer in haiku.' });
  });

  it('"@bot usage" in a thread reports the tokens of that exchange', async () => {
    const channel = 'C0USAGE';
    const root = nextTs();
    await slack.ask(channel, { ts: root }, 'Count my tokens please');
    const answer = await slack.mentionCommand(channel, root, 'usage');
    const match = /this conversation: ([\d,]+) tokens/.exec(answer);
    expect(match).not.toBeNull();
    expect(Number(match![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    // A command is not a question: the model was asked once.
    expect(model.requests).toHaveLength(1);
  });

  it('"@bot export" uploads the thread as JSON into the thread', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const channel = 'C0EXPORT';
    const root = nextTs();
    await slack.ask(channel, { ts: root }, 'My name is Erin', 'Your name is Erin.');
    await slack.ask(channel, { thread_ts: root }, "What's my name?", 'Your name is Erin.');
    const uploadsBefore = api.uploads.length;
    const posts = api.callsTo('chat.postMessage').length;
    await slack.mention(channel, root, 'export');
    const upload = await waitFor('the export upload', () =>
      api.uploads.slice(uploadsBefore).find((candidate) => candidate.completed),
    );
    expect(upload).toMatchObject({ channel, threadTs: root });
    expect(upload.initialComment).toMatch(/4 messages/);
    expect(upload.filename).toMatch(/\.json$/);
    const exported = JSON.parse(upload.bytes!.toString('utf8')) as {
      format: string;
      sessionId: string;
      messages: Array<{ role: string; content: string }>;
    };
    expect(exported.format).toBe('parley.session.v1');
    expect(exported.sessionId).toBe(`slack:${FIXTURE.team}:${channel}:${root}`);
    expect(exported.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'My name is Erin'],
      ['assistant', 'Your name is Erin.'],
      ['user', "What's my name?"],
      ['assistant', 'Your name is Erin.'],
    ]);
    expect(api.callsTo('chat.postMessage').length).toBe(posts);
  });

  it('/forget asks first and deletes nothing; /forget confirm deletes every thread of the channel', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const channel = 'C0FORGET';
    const first = nextTs();
    const second = nextTs();
    await slack.ask(channel, { ts: first }, 'My name is Fay', 'Your name is Fay.');
    await slack.ask(channel, { ts: second }, 'My name is Gus', 'Your name is Gus.');
    const firstSession = `slack:${FIXTURE.team}:${channel}:${first}`;
    const secondSession = `slack:${FIXTURE.team}:${channel}:${second}`;
    // An unrelated channel keeps its memory through all of this.
    const elsewhere = nextTs();
    await slack.ask('C0KEEP', { ts: elsewhere }, 'My name is Hal', 'Your name is Hal.');

    const asked = await slack.slash(channel, '/forget');
    expect(asked).toMatch(/forget confirm/);
    expect(await parley.store.count(firstSession)).toBe(2);
    expect(await parley.store.count(secondSession)).toBe(2);

    expect(await slack.slash(channel, '/forget', 'confirm')).toMatch(/Done/);
    expect(await parley.store.count(firstSession)).toBe(0);
    expect(await parley.store.count(secondSession)).toBe(0);
    // A message written after the forget (the fixtures' timestamps lie in 2023, before the forget's mark; a
    // message from then would be dropped as received before the channel was forgotten).
    const afterForget = (Date.now() / 1_000).toFixed(6);
    await slack.ask(
      channel,
      { thread_ts: first, ts: afterForget },
      "What's my name?",
      "I don't know your name.",
    );
    expect(promptText(model.requests.at(-1)!.body.messages)).not.toContain('Fay');
    await slack.ask('C0KEEP', { thread_ts: elsewhere }, "What's my name?", 'Your name is Hal.');
  });

  it('"@bot memory" answers with what the thread remembers', async () => {
    const channel = 'C0MEMORY';
    const root = nextTs();
    await slack.ask(channel, { ts: root }, 'Remember this');
    const answer = await slack.mentionCommand(channel, root, 'memory');
    expect(answer).toMatch(/I remember the last 2 messages/);
  });

  it('/parley help lists the commands', async () => {
    const answer = await slack.slash('C0HELP', '/parley', 'help');
    for (const name of ['memory', 'persona', 'usage', 'export', 'forget']) expect(answer).toContain(name);
  });
});

describe('SLACK_SESSION_SCOPE=channel end to end', () => {
  let parley: RunningParley;
  let slack: ReturnType<typeof client>;

  beforeAll(async () => {
    parley = await startSlackParley('slack-channel-scope-e2e', { SLACK_SESSION_SCOPE: 'channel' });
    slack = client(parley);
  });

  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
  });

  it('shares memory across two threads of a channel, answering in each thread', async () => {
    model.respondWith((body) => nameFromPrompt(body.messages));
    const channel = 'C0SHARED';
    const first = nextTs();
    const second = nextTs();
    await slack.ask(channel, { ts: first }, 'My name is Ida', 'Your name is Ida.');
    await slack.ask(channel, { ts: second }, "What's my name?", 'Your name is Ida.');
    expect(api.messagesIn(channel, first)).toHaveLength(1);
    expect(api.messagesIn(channel, second)).toHaveLength(1);
    expect(await parley.store.count(`slack:${FIXTURE.team}:${channel}`)).toBe(4);
    // Another channel does not share it.
    await slack.ask('C0OTHERSHARED', { ts: nextTs() }, "What's my name?", "I don't know your name.");
  });
});

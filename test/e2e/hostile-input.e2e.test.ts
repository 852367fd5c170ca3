import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../adapters/discord/commands.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI, type WireChatMessage } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { promptText } from '../fakes/name-from-prompt.ts';
import { sendSigned, sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import {
  appMention,
  botMessage,
  directMessage,
  FIXTURE,
  messageChanged,
  nextTs,
  slashCommand,
} from '../fixtures/slack/events.ts';
import { captureLogs } from '../helpers/captured-logs.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'hostile-e2e-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
const MAX_CONTEXT_TOKENS = 3_000;
const MAX_REPLY_TOKENS = 300;
const counter = getTokenCounter('gpt-4o-mini');

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let discord: FakeDiscord;
let parley: RunningParley;
let url: string;
const logs = captureLogs();

beforeAll(async () => {
  [model, redis, api, discord] = await Promise.all([
    startFakeOpenAI(),
    startTestRedis(),
    startFixtureSlackApi(),
    startFakeDiscord(),
  ]);
  parley = await startTestParley(
    {
      OPENAI_BASE_URL: model.url,
      // The token counter above counts for this model.
      MODEL: 'gpt-4o-mini',
      MAX_CONTEXT_TOKENS: String(MAX_CONTEXT_TOKENS),
      MAX_REPLY_TOKENS: String(MAX_REPLY_TOKENS),
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'hostile-e2e',
      SLACK_BOT_TOKEN: 'xoxb-hostile',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: api.url,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
    },
    // Debug level: the adapters say at debug why they drop an event.
    logs.logger('debug'),
  );
  url = slackEventsUrl(parley);
});

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close(), api?.close(), discord?.close()]);
});

afterEach(() => model.reset());

const settle = () => queueDrained(parley);

async function send(payload: unknown): Promise<void> {
  const response = await sendSlackEvent(url, payload, signed);
  expect(response.status).toBe(200);
}

/** Why the Slack adapter ignored an event, from its debug log (undefined until it has). */
const ignoredReason = (eventId: string): string | undefined =>
  logs.entries().find((line) => line.msg === 'event ignored' && line.eventId === eventId)?.reason as
    | string
    | undefined;

/** The final text of the bot's reply in a Slack thread (or DM top level), once the model has answered. */
async function slackReply(channel: string, threadTs: string | undefined): Promise<string> {
  const reply = await waitFor(`a reply in ${channel}/${threadTs}`, () =>
    api
      .messagesIn(channel, threadTs)
      .find(
        (message) =>
          (threadTs !== undefined || message.thread_ts === undefined) && message.text.startsWith('Echo'),
      ),
  );
  await settle();
  return api.messages.get(reply.ts)!.text;
}

/**
 * A fresh mention that must be answered, sent after the events under test: once it is answered and the queue
 * is empty, anything those events were going to queue would have been queued too.
 */
async function sentinel(): Promise<void> {
  const ts = nextTs();
  await send(appMention({ ts, text: `${BOT} sentinel ${ts}` }));
  await slackReply(FIXTURE.channel, ts);
}

const promptTokens = (messages: WireChatMessage[]) =>
  counter.promptTokens(messages.map((message) => ({ role: message.role, content: String(message.content) })));

describe('Slack: odd and hostile messages, end to end', () => {
  it('drops an empty mention with a logged reason, every time, and still answers the next message', async () => {
    for (const text of [BOT, `${BOT}   `, `${BOT}\n\t`]) {
      const ts = nextTs();
      const event = appMention({ ts, text });
      await send(event);
      expect(await waitFor('the drop to be logged', () => ignoredReason(event.event_id))).toBe('empty text');
      // Also as a DM that only mentions the bot.
      const dm = directMessage({ text });
      await send(dm);
      expect(await waitFor('the drop to be logged', () => ignoredReason(dm.event_id))).toBe('empty text');
    }
    await sentinel();
    expect(model.requests).toHaveLength(1);
    expect(api.messagesIn(FIXTURE.dm)).toHaveLength(0);
  });

  it('answers a 100,000-character message with a prompt within MAX_CONTEXT_TOKENS and a truncation marker', async () => {
    const ts = nextTs();
    const huge = `Start of a long paste. ${'lorem ipsum dolor sit amet '.repeat(3_800)}`.slice(0, 99_970);
    const text = `${huge} What is this?`;
    expect(text.length).toBeGreaterThanOrEqual(99_980);
    await send(appMention({ ts, text: `${BOT} ${text}` }));
    const reply = await slackReply(FIXTURE.channel, ts);
    expect(reply).toContain('Start of a long paste');

    expect(model.requests).toHaveLength(1);
    const { messages, max_tokens: maxTokens } = model.requests[0]!.body;
    expect(maxTokens).toBe(MAX_REPLY_TOKENS);
    expect(promptTokens(messages) + MAX_REPLY_TOKENS).toBeLessThanOrEqual(MAX_CONTEXT_TOKENS);
    const last = String(messages.at(-1)?.content);
    expect(last).toMatch(/…\[truncated \d+ tokens\]/);
    // Both ends are kept: the opening and the actual question.
    expect(last).toContain('Start of a long paste');
    expect(last).toContain('What is this?');
    // The whole message is kept in the history, not the cut.
    const [stored] = await parley.store.load(`slack:${FIXTURE.team}:${FIXTURE.channel}:${ts}`);
    expect(stored?.content).toBe(text);

    // The next message in that thread still fits, and the huge one does not crowd it out.
    await send(appMention({ thread_ts: ts, text: `${BOT} and a short follow-up` }));
    // The first answer (an echo of the whole paste) is still being posted in 29 parts; the follow-up waits for it.
    // The paste also pushes the history past its summary threshold, so a summary request may come before or
    // after the follow-up's: find the follow-up's by its question.
    const followUp = await waitFor(
      'the follow-up',
      () =>
        model.requests.find((request) =>
          String(request.body.messages.at(-1)?.content).includes('and a short follow-up'),
        ),
      { timeoutMs: 150_000 },
    );
    await settle();
    const second = followUp.body.messages;
    expect(promptTokens(second) + MAX_REPLY_TOKENS).toBeLessThanOrEqual(MAX_CONTEXT_TOKENS);
    expect(String(second.at(-1)?.content)).toContain('and a short follow-up');
  }, 180_000);

  it('keeps emoji, right-to-left text, zero-width characters and NUL intact, in history and in the reply', async () => {
    const text =
      'Grüße 👩‍👩‍👧‍👦🏳️‍🌈 مرحبا بالعالم שלום \u202eright-to-left override\u202c zero\u200bwidth\u200d join ' +
      'nul\u0000here e\u0301 漢字 \ufeffbom';
    const dm = 'D0UNICODE';
    await send(directMessage({ channel: dm, text }));
    const reply = await slackReply(dm, undefined);
    expect(reply).toBe(`Echo: Alice: ${text}`);
    const stored = await parley.store.load(`slack:${FIXTURE.team}:${dm}`);
    expect(stored.map((message) => [message.role, message.content])).toEqual([
      ['user', text],
      ['assistant', `Echo: Alice: ${text}`],
    ]);
    expect(String(model.requests[0]!.body.messages.at(-1)?.content)).toBe(`Alice: ${text}`);
  });

  it('answers a malformed JSON body with 400 and keeps serving', async () => {
    for (const body of ['{"type": "event_callback", "event": {', '{]', 'not json at all', '']) {
      const response = await sendSigned(url, body, 'application/json', signed);
      expect(response.status).toBe(400);
    }
    const health = await fetch(`http://127.0.0.1:${parley.httpPort}/healthz`);
    expect(health.status).toBe(200);
    await sentinel();
  });

  it('never calls the model for edits, deletions, joins, unknown events and subtypes, or other bots', async () => {
    const root = nextTs();
    const withEvent = (event: Record<string, unknown>, id: string) => ({
      ...appMention({}, { event_id: id }),
      event: { channel: FIXTURE.channel, ts: nextTs(), ...event },
    });
    const ignored = [
      { ...messageChanged(), event_id: 'EvHostileEdit' },
      withEvent(
        {
          type: 'message',
          subtype: 'message_deleted',
          hidden: true,
          deleted_ts: root,
          previous_message: { type: 'message', user: FIXTURE.user, text: `${BOT} deleted`, ts: root },
        },
        'EvHostileDelete',
      ),
      withEvent(
        {
          type: 'message',
          subtype: 'channel_join',
          user: FIXTURE.user,
          text: `<@${FIXTURE.user}> has joined`,
        },
        'EvHostileJoin',
      ),
      withEvent(
        { type: 'message', subtype: 'huddle_thread', user: FIXTURE.user, text: `${BOT} huddle` },
        'EvHostileSubtype',
      ),
      withEvent(
        { type: 'message', subtype: 'me_message', user: FIXTURE.user, text: `${BOT} waves` },
        'EvHostileMe',
      ),
      { ...botMessage(), event_id: 'EvHostileBot' },
      // Another bot's message without a subtype (newer apps post like this), mentioning Parley.
      withEvent(
        {
          type: 'message',
          user: 'U0OTHERBOT',
          bot_id: 'B0OTHER',
          text: `${BOT} bot chatter`,
          channel_type: 'channel',
        },
        'EvHostileBotUser',
      ),
      withEvent(
        { type: 'message', channel_type: 'channel', user: FIXTURE.user, text: 'no mention here' },
        'EvHostilePlain',
      ),
      // A file shared in a channel without a mention.
      withEvent(
        {
          type: 'message',
          subtype: 'file_share',
          channel_type: 'channel',
          user: FIXTURE.user,
          text: 'a file',
          files: [{ id: 'F1' }],
        },
        'EvHostileFile',
      ),
    ];
    for (const payload of ignored) await send(payload);
    for (const payload of ignored) {
      expect(
        await waitFor(`${payload.event_id} to be ignored`, () => ignoredReason(payload.event_id)),
      ).toBeTruthy();
    }
    // Events Parley has no listener for are acknowledged and go nowhere.
    for (const type of ['reaction_added', 'team_join', 'app_home_opened', 'some_future_event']) {
      await send(withEvent({ type, user: FIXTURE.user, text: `${BOT} ${type}` }, `EvHostile${type}`));
    }
    await sentinel();
    expect(model.requests).toHaveLength(1);
    expect(promptText(model.requests[0]!.body.messages)).toContain('sentinel');
  });

  it('answers a file shared in a DM, with or without text, and names a file it could not fetch', async () => {
    // `file_share` is a person's message: its text is answered and its files are read. These files exist
    // nowhere (no URL, unknown to files.info), so each reply says it could not read them instead of guessing.
    const dm = 'D0FILES';
    const withText = directMessage({
      channel: dm,
      subtype: 'file_share',
      text: 'what is in this file?',
      files: [{ id: 'F2' }],
    });
    await send(withText);
    const first = await slackReply(dm, undefined);
    expect(first).toContain('Echo: Alice: what is in this file?');
    expect(first).toMatch(/_\(.*\)_/);
    const bare = directMessage({ channel: dm, subtype: 'file_share', text: '', files: [{ id: 'F3' }] });
    await send(bare);
    await waitFor('the file-only message to reach the model', () => model.requests.length === 2);
    await sentinel();
    expect(model.requests).toHaveLength(3);
  });

  it('answers unknown command arguments with help and clears nothing', async () => {
    const channel = 'C0HOSTILECMD';
    const root = nextTs();
    await send(appMention({ channel, ts: root, text: `${BOT} remember the word PAPAYA` }));
    await slackReply(channel, root);
    const dm = 'D0HOSTILECMD';
    await send(directMessage({ channel: dm, text: 'remember the word MANGO' }));
    await slackReply(dm, undefined);
    const threadSession = `slack:${FIXTURE.team}:${channel}:${root}`;
    const dmSession = `slack:${FIXTURE.team}:${dm}`;
    expect(await parley.store.count(threadSession)).toBe(2);
    expect(await parley.store.count(dmSession)).toBe(2);

    // Acknowledged at once with help, nothing queued.
    for (const [where, command, text] of [
      [dm, '/reset', 'please'],
      [dm, '/reset', 'help'],
      [channel, '/reset', 'everything now'],
    ] as const) {
      const response = await sendSlashCommand(
        url,
        slashCommand(command, text, { channel_id: where }),
        signed,
      );
      expect(response.status).toBe(200);
      expect((response.json as { text: string }).text).toMatch(/\/reset. makes me forget/);
    }
    // Queued and answered privately through response_url.
    const answers: string[] = [];
    for (const [where, command, text] of [
      [dm, '/parley', 'frobnicate the widgets'],
      [dm, '/memory', 'bogus'],
      [channel, '/forget', 'yes please'],
      [channel, '/parley', ''],
    ] as const) {
      const responseUrl = api.responseUrl();
      const response = await sendSlashCommand(
        url,
        slashCommand(command, text, { channel_id: where, response_url: responseUrl }),
        signed,
      );
      expect(response.status).toBe(200);
      const path = new URL(responseUrl).pathname;
      const answer = await waitFor(`the answer to ${command} ${text}`, () =>
        api.responses.find((posted) => posted.path === path),
      );
      answers.push(String(answer.body.text));
    }
    expect(answers[0]).toMatch(/\*Commands\*/);
    expect(answers[1]).toMatch(/Unknown option/);
    expect(answers[2]).toMatch(/forget confirm/);
    expect(answers[3]).toMatch(/\*Commands\*/);
    // A slash command Parley does not own is not acknowledged by it (Bolt answers 404 after its 3 s window).
    const foreign = await sendSlashCommand(
      url,
      slashCommand('/weather', 'tomorrow', { channel_id: dm }),
      signed,
    );
    expect(foreign.status).toBe(404);
    // "@bot reset please" is a question, not a reset; an unknown first word is an ordinary message.
    await send(appMention({ channel, thread_ts: root, text: `${BOT} reset please` }));
    await send(appMention({ channel, thread_ts: root, text: `${BOT} frobnicate` }));
    await waitFor(
      'both answered',
      () =>
        model.requests.filter((r) => /frobnicate|reset please/.test(promptText(r.body.messages))).length >= 2,
    );
    await settle();

    expect(await parley.store.count(dmSession)).toBe(2);
    expect(await parley.store.count(threadSession)).toBe(6);
    const memory = promptText(model.requests.at(-1)!.body.messages);
    expect(memory).toContain('PAPAYA');
  });

  it('gives channel ids with dots, dashes and great length a session, and drops unsafe ones with a log', async () => {
    const longChannel = `C${'A1-._'.repeat(400)}`;
    for (const channel of ['C0.DOTTED', 'C0-DASHED_x', longChannel]) {
      const ts = nextTs();
      await send(appMention({ channel, ts, text: `${BOT} hello from ${channel.slice(0, 12)}` }));
      await slackReply(channel, ts);
      const stored = await parley.store.load(`slack:${FIXTURE.team}:${channel}:${ts}`);
      expect(stored).toHaveLength(2);
    }
    const before = model.requests.length;
    const unsafe = ['C0:COLON', 'C0 SPACE', 'C0{TAG}', 'C0/SLASH', 'C0\u0000NUL', 'C0ÜMLAUT', ''];
    for (const [index, channel] of unsafe.entries()) {
      const event = appMention(
        { channel, text: `${BOT} from an odd channel` },
        { event_id: `EvOddChannel${index}` },
      );
      await send(event);
      expect(await waitFor('the drop to be logged', () => ignoredReason(event.event_id))).toMatch(
        /malformed ids|missing fields/,
      );
    }
    // An odd team id or thread ts is refused the same way.
    const oddTeam = appMention({ text: `${BOT} odd team` }, { team_id: 'T0:EVIL', event_id: 'EvOddTeam' });
    const oddThread = appMention(
      { thread_ts: '1.2}{', text: `${BOT} odd thread` },
      { event_id: 'EvOddThread' },
    );
    for (const event of [oddTeam, oddThread]) {
      await send(event);
      expect(await waitFor('the drop to be logged', () => ignoredReason(event.event_id))).toBe(
        'malformed ids',
      );
    }
    await sentinel();
    expect(model.requests.length).toBe(before + 1);
  });
});

describe('Discord: odd messages, end to end', () => {
  const discordReplies = (channelId: string) => discord.messagesIn(channelId);

  it('answers a DM holding only an attachment, naming the file to the model', async () => {
    const author = discord.user('attacher', { globalName: 'Attacher' });
    const sent = discord.sendMessageCreate({
      author,
      dm: true,
      content: '',
      attachments: [{ filename: 'report.pdf' }],
    });
    await waitFor('the reply', () => discordReplies(sent.channel_id).length > 0);
    await settle();
    // The file itself is fetched from the CDN and read (the fake serves 1 KB of text under that name).
    const prompt = String(model.requests[0]!.body.messages.at(-1)?.content);
    expect(prompt).toMatch(/^Attacher: /);
    expect(prompt).toContain('report.pdf');
    const stored = await parley.store.load(`discord:dm:${sent.channel_id}`);
    expect(stored[0]?.content).toBe('');
    expect(stored[0]?.attachments?.map((file) => file.name)).toEqual(['report.pdf']);
  });

  it('ignores messages of other bots and webhooks, and a mention with nothing else', async () => {
    const channelId = discord.addTextChannel('hostile-bots');
    const bot = discord.user('otherbot', { bot: true });
    discord.sendMessageCreate({
      channel_id: channelId,
      author: bot,
      content: `${discord.mention} bot chatter`,
    });
    discord.sendMessageCreate({ author: bot, dm: true, content: 'bot DM chatter' });
    discord.sendMessageCreate({
      channel_id: channelId,
      webhook_id: '123',
      content: `${discord.mention} hook`,
    });
    discord.sendMessageCreate({ channel_id: channelId, content: discord.mention });
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention}   ` });
    // A join (system message) mentioning nobody, and a plain message without a mention.
    discord.sendMessageCreate({ channel_id: channelId, type: 7, content: '' });
    discord.sendMessageCreate({ channel_id: channelId, content: 'no mention' });
    // Discord delivers in order: once this one is answered, the ones before were seen (and dropped).
    discord.sendMessageCreate({ channel_id: channelId, content: `${discord.mention} human here` });
    await waitFor('the human to be answered', () => discordReplies(channelId).length > 0);
    await settle();
    expect(discordReplies(channelId).map((message) => message.content)).toEqual(['Echo: Alice: human here']);
    expect(model.requests).toHaveLength(1);
  });

  it('answers a 100,000-character DM within the budget, with a truncation marker, in valid messages', async () => {
    const author = discord.user('paster', { globalName: 'Paster' });
    const content = `Beginning. ${'x'.repeat(99_960)} Is this fine?`;
    const sent = discord.sendMessageCreate({ author, dm: true, content });
    await waitFor('the reply', () => discordReplies(sent.channel_id).length > 0);
    await settle();
    const { messages } = model.requests[0]!.body;
    expect(promptTokens(messages) + MAX_REPLY_TOKENS).toBeLessThanOrEqual(MAX_CONTEXT_TOKENS);
    const last = String(messages.at(-1)?.content);
    expect(last).toMatch(/…\[truncated \d+ tokens\]/);
    expect(last).toContain('Beginning.');
    expect(last).toContain('Is this fine?');
    for (const message of discordReplies(sent.channel_id))
      expect(message.content.length).toBeLessThanOrEqual(2000);
    expect((await parley.store.load(`discord:dm:${sent.channel_id}`))[0]?.content).toBe(content);
  });

  it('answers an unknown slash command with help and queues nothing', async () => {
    const interaction = discord.sendInteraction({ name: 'frobnicate' });
    await waitFor('the help answer', () => discord.interactionResponse(interaction.id));
    expect(discord.interactionResponse(interaction.id)).toMatchObject({
      data: { content: HELP_TEXT, flags: 64 },
    });
    expect(await parley.queue.pendingCount()).toBe(0);
    expect(model.requests).toHaveLength(0);
  });
});

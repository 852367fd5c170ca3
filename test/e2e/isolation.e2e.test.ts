import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessageLike, toTurn } from '../../adapters/discord/to-turn.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { exportSession } from '../../src/commands/session-export.ts';
import { SUMMARY_INSTRUCTIONS } from '../../src/history/summarize.ts';
import { type FakeDiscord, snowflake, startFakeDiscord } from '../fakes/fake-discord.ts';
import {
  type ChatCompletionRequestBody,
  type FakeOpenAI,
  fakeTokenCount,
  startFakeOpenAI,
} from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE, nextTs, slashCommand } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'isolation-e2e-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
const OTHER_TEAM = 'T0ISOTEAM2';
/** Grows each message so that rolling summaries start after the second exchange. */
const FILLER =
  'We also talked about the weather, the train timetable and which biscuits go best with tea. '.repeat(3);
/** Secret words look like this; each conversation gets its own. */
const WORD = /ZQ[A-Z]+/g;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let discord: FakeDiscord;
let parley: RunningParley;
let url: string;

const wordsIn = (value: unknown): string[] => [...new Set(JSON.stringify(value).match(WORD) ?? [])].sort();
const isSummaryRequest = (body: ChatCompletionRequestBody) =>
  body.messages[0]?.content === SUMMARY_INSTRUCTIONS;

/**
 * A model that repeats every secret word it was shown — in answers and in summaries — so a word that reached
 * the wrong conversation's prompt even once spreads into its history and is found.
 */
function leakyModel(body: ChatCompletionRequestBody): string {
  const words = wordsIn(body.messages);
  if (isSummaryRequest(body)) return `Summary: the person shared the words ${words.join(', ') || 'none'}.`;
  return `Noted. Words I have seen here: ${words.join(', ') || 'none'}.`;
}

const settle = () => queueDrained(parley);

/** One conversation of the matrix: how to talk in it, where it is stored, and its own secret word. */
interface Conversation {
  name: string;
  word: string;
  sessionId: string;
  /** Says `text` there and resolves once the answer is posted and the turn (and any summary) committed. */
  say(text: string): Promise<void>;
}

/** Which conversation each recorded model request was made for, by index. */
const owners: string[] = [];

async function talk(conversation: Conversation, text: string): Promise<void> {
  const before = model.requests.length;
  await conversation.say(text);
  await settle();
  expect(model.requests.length).toBeGreaterThan(before);
  for (let index = before; index < model.requests.length; index++) owners[index] = conversation.name;
}

function slackThread(name: string, word: string, team: string, channel: string, root: string): Conversation {
  let started = false;
  return {
    name,
    word,
    sessionId: `slack:${team}:${channel}:${root}`,
    async say(text) {
      const before = api.messagesIn(channel, root).length;
      const thread = started ? { thread_ts: root } : { ts: root };
      const envelope = appMention({ channel, team, ...thread, text: `${BOT} ${text}` }, { team_id: team });
      // Same ts in two workspaces or channels: the event ids must differ, as Slack's do.
      envelope.event_id = `Ev${name}${nextTs().replace('.', '')}`;
      const response = await sendSlackEvent(url, envelope, signed);
      expect(response.status).toBe(200);
      started = true;
      await waitFor(`a reply in ${name}`, () => api.messagesIn(channel, root).length > before);
    },
  };
}

function slackDm(name: string, word: string, channel: string, threadRoot?: string): Conversation {
  const replies = () =>
    api
      .messagesIn(channel, threadRoot)
      .filter((message) => threadRoot !== undefined || message.thread_ts === undefined);
  return {
    name,
    word,
    sessionId: `slack:${FIXTURE.team}:${channel}${threadRoot ? `:${threadRoot}` : ''}`,
    async say(text) {
      const before = replies().length;
      const event = threadRoot ? { channel, thread_ts: threadRoot, text } : { channel, text };
      const response = await sendSlackEvent(url, directMessage(event), signed);
      expect(response.status).toBe(200);
      await waitFor(`a reply in ${name}`, () => replies().length > before);
    },
  };
}

function discordPlace(
  name: string,
  word: string,
  channelId: () => string,
  sessionId: () => string,
  dmUser?: string,
) {
  const conversation: Conversation = {
    name,
    word,
    get sessionId() {
      return sessionId();
    },
    async say(text) {
      const before = discord.messagesIn(channelId()).length;
      const author = dmUser ? users.get(dmUser) : undefined;
      discord.sendMessageCreate(
        author
          ? { author, dm: true, content: text }
          : { channel_id: channelId(), content: `${discord.mention} ${text}` },
      );
      await waitFor(`a reply in ${name}`, () => discord.messagesIn(channelId()).length > before);
    },
  };
  return conversation;
}

const users = new Map<string, ReturnType<FakeDiscord['user']>>();

/**
 * The same channel id in another guild. The fake Discord serves a single guild, so this conversation enters
 * where the gateway would hand it over: the Discord converter, with a message differing only in its guild,
 * then the real queue, store, model and reply channel.
 */
function discordOtherGuild(name: string, word: string, guildId: string): Conversation {
  return {
    name,
    word,
    get sessionId() {
      return `discord:${guildId}:${discord.channelId}`;
    },
    async say(text) {
      const before = discord.messagesIn(discord.channelId).length;
      const message: MessageLike = {
        id: snowflake(),
        content: `${discord.mention} ${text}`,
        system: false,
        createdTimestamp: Date.now(),
        guildId,
        channelId: discord.channelId,
        webhookId: null,
        author: { id: discord.alice.id, bot: false, username: 'alice', globalName: 'Alice' },
        member: null,
        mentions: { users: { has: (id) => id === discord.bot.id } },
        attachments: { size: 0, values: () => [] },
        channel: { isThread: () => false, parentId: null },
      };
      const turn = toTurn(message, { botUserId: discord.bot.id, ignoreBots: true });
      expect(turn).not.toBeNull();
      await parley.queue.enqueue(turn!);
      await waitFor(`a reply in ${name}`, () => discord.messagesIn(discord.channelId).length > before);
    },
  };
}

let conversations: Conversation[];
let discordIds: { channel: string; thread: string };

beforeAll(async () => {
  [model, redis, api] = await Promise.all([startFakeOpenAI(), startTestRedis(), startFixtureSlackApi()]);
});

afterAll(async () => {
  await Promise.all([model?.close(), redis?.close(), api?.close()]);
});

/** Starts a Parley process with small budgets (so summaries happen) against the fakes. */
async function startSmallParley(prefix: string, platforms: Record<string, string>): Promise<void> {
  model.reset();
  model.respondWith(leakyModel);
  owners.length = 0;
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    // Small, so the history of every conversation is summarized after a couple of exchanges.
    MAX_CONTEXT_TOKENS: '700',
    MAX_REPLY_TOKENS: '100',
    SUMMARY_THRESHOLD: '0.3',
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ...platforms,
  });
  url = slackEventsUrl(parley);
}

/** Talks in every conversation, interleaved: each one's turn n before any one's turn n + 1. */
async function runConversations(): Promise<void> {
  expect(new Set(conversations.map((conversation) => conversation.sessionId)).size).toBe(
    conversations.length,
  );
  for (const conversation of conversations)
    await talk(conversation, `My secret word is ${conversation.word}. ${FILLER}`);
  for (const round of [1, 2]) {
    for (const conversation of conversations) await talk(conversation, `Round ${round}. ${FILLER}`);
  }
  for (const conversation of conversations) await talk(conversation, 'Which secret words do you know?');
}

/** Every kind of conversation on both platforms, in one process. */
async function startMatrix(): Promise<void> {
  discord = await startFakeDiscord();
  users.set('alice', discord.alice);
  users.set('bob', discord.user('bob', { globalName: 'Bob' }));
  discordIds = { channel: discord.addTextChannel('isolation'), thread: '' };
  discordIds.thread = discord.addThread('isolation thread', discordIds.channel);
  await startSmallParley('isolation-e2e', {
    SLACK_BOT_TOKEN: 'xoxb-isolation',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
  });

  const root = nextTs();
  const dm = 'D0ISOLATE';
  conversations = [
    slackThread('slackThreadA', 'ZQALPHA', FIXTURE.team, 'C0ISOLATE', root),
    slackThread('slackThreadB', 'ZQBRAVO', FIXTURE.team, 'C0ISOLATE', nextTs()),
    // Same thread ts in another channel of the workspace.
    slackThread('slackOtherChannel', 'ZQCHARLIE', FIXTURE.team, 'C0ISOLATE2', root),
    // Same channel id and ts in another workspace.
    slackThread('slackOtherTeam', 'ZQDELTA', OTHER_TEAM, 'C0ISOLATE', root),
    slackDm('slackDm', 'ZQECHO', dm),
    slackDm('slackDmThread', 'ZQFOXTROT', dm, nextTs()),
    slackDm('slackOtherDm', 'ZQGOLF', 'D0ISOLATE2'),
    discordPlace(
      'discordChannel',
      'ZQHOTEL',
      () => discordIds.channel,
      () => `discord:${discord.guildId}:${discordIds.channel}`,
    ),
    discordPlace(
      'discordThread',
      'ZQINDIA',
      () => discordIds.thread,
      () => `discord:${discord.guildId}:${discordIds.thread}`,
    ),
    discordPlace(
      'discordDmAlice',
      'ZQJULIET',
      () => discord.dmChannelOf(discord.alice),
      () => `discord:dm:${discord.dmChannelOf(discord.alice)}`,
      'alice',
    ),
    discordPlace(
      'discordDmBob',
      'ZQKILO',
      () => discord.dmChannelOf(users.get('bob')!),
      () => `discord:dm:${discord.dmChannelOf(users.get('bob')!)}`,
      'bob',
    ),
    discordPlace(
      'discordGeneral',
      'ZQLIMA',
      () => discord.channelId,
      () => `discord:${discord.guildId}:${discord.channelId}`,
    ),
    discordOtherGuild('discordOtherGuild', 'ZQMIKE', snowflake()),
  ];
  await runConversations();
}

// see report: once the Slack adapter is loaded in a process (Slack configured), Discord's multipart uploads —
// the `/export` file — fail ("action is not a function"). So Discord's `/export` is checked first, in a
// Discord-only process, before any Slack code is loaded in this test process.
describe('Discord /export hands over only its own conversation (a Discord-only process)', () => {
  beforeAll(async () => {
    discord = await startFakeDiscord();
    users.set('alice', discord.alice);
    users.set('bob', discord.user('bob', { globalName: 'Bob' }));
    discordIds = { channel: discord.addTextChannel('export'), thread: '' };
    discordIds.thread = discord.addThread('export thread', discordIds.channel);
    await startSmallParley('isolation-export-e2e', {
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
    });
    conversations = [
      discordPlace(
        'channel',
        'ZQNOVEMBER',
        () => discordIds.channel,
        () => `discord:${discord.guildId}:${discordIds.channel}`,
      ),
      discordPlace(
        'thread',
        'ZQOSCAR',
        () => discordIds.thread,
        () => `discord:${discord.guildId}:${discordIds.thread}`,
      ),
      discordPlace(
        'dmBob',
        'ZQPAPA',
        () => discord.dmChannelOf(users.get('bob')!),
        () => `discord:dm:${discord.dmChannelOf(users.get('bob')!)}`,
        'bob',
      ),
    ];
    await runConversations();
  }, 60_000);

  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
    await discord?.close();
  });

  it('attaches the JSON of the channel, the thread or the DM where it is used, and nothing else', async () => {
    for (const [name, input] of [
      ['channel', { channel_id: discordIds.channel }],
      ['thread', { channel_id: discordIds.thread }],
      ['dmBob', { dm: true, user: users.get('bob') }],
    ] as const) {
      const conversation = conversations.find((candidate) => candidate.name === name)!;
      const interaction = discord.sendInteraction({ name: 'export', ...input });
      const answer = await waitFor(`the export of ${name}`, () => {
        const { original } = discord.interactionReplies(interaction.id);
        return original && original.files.length > 0 ? original : undefined;
      });
      const exported = JSON.parse(answer.files[0]!.content);
      expect(exported.sessionId).toBe(conversation.sessionId);
      expect(wordsIn(exported), name).toEqual([conversation.word]);
    }
    for (const [index, request] of model.requests.entries()) {
      const own = conversations.find((candidate) => candidate.name === owners[index])!.word;
      expect(
        wordsIn(request.body).filter((word) => word !== own),
        `request ${index}`,
      ).toEqual([]);
    }
  });
});

describe('conversations never share memory (Slack threads, channels, DMs, workspaces; Discord channels, threads, DMs, guilds)', () => {
  beforeAll(startMatrix, 120_000);

  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
    await discord?.close();
  });

  it("no model request of one conversation carries another conversation's secret word", () => {
    expect(owners).toHaveLength(model.requests.length);
    for (const [index, request] of model.requests.entries()) {
      const conversation = conversations.find((candidate) => candidate.name === owners[index])!;
      expect(
        wordsIn(request.body).filter((word) => word !== conversation.word),
        `request ${index} (${conversation.name})`,
      ).toEqual([]);
    }
  });

  it('still remembers its own word at the end, by way of a rolling summary', async () => {
    for (const conversation of conversations) {
      const lastAsked = model.requests.findLast(
        (_, index) => owners[index] === conversation.name && !isSummaryRequest(model.requests[index]!.body),
      );
      expect(wordsIn(lastAsked!.body), conversation.name).toEqual([conversation.word]);
      const meta = await parley.store.getMeta(conversation.sessionId);
      // The word was said in the first turn only: what remembers it now is the summary.
      expect(meta.summary, conversation.name).toContain(conversation.word);
      expect(wordsIn(meta.summary), conversation.name).toEqual([conversation.word]);
      const live = await parley.store.load(conversation.sessionId);
      expect(live.some((message) => message.content.includes(`My secret word is ${conversation.word}`))).toBe(
        false,
      );
    }
    expect(model.requests.filter((request) => isSummaryRequest(request.body)).length).toBeGreaterThanOrEqual(
      conversations.length,
    );
  });

  it('exports each conversation with its own words only', async () => {
    for (const conversation of conversations) {
      const exported = await exportSession(parley.store, conversation.sessionId);
      expect(exported.sessionId).toBe(conversation.sessionId);
      expect(wordsIn(exported), conversation.name).toEqual([conversation.word]);
    }
  });

  it('/export through Slack hands over only that conversation', async () => {
    const byName = new Map(conversations.map((conversation) => [conversation.name, conversation]));
    // Slack threads: "@bot export" uploads the thread's JSON into the thread.
    for (const name of ['slackThreadA', 'slackThreadB', 'slackOtherChannel', 'slackOtherTeam']) {
      const conversation = byName.get(name)!;
      const [, team, channel, root] = conversation.sessionId.split(':') as [string, string, string, string];
      const uploads = api.uploads.length;
      const envelope = appMention(
        { channel, team, thread_ts: root, text: `${BOT} export` },
        { team_id: team },
      );
      envelope.event_id = `EvExport${name}`;
      await sendSlackEvent(url, envelope, signed);
      const upload = await waitFor(`the export of ${name}`, () =>
        api.uploads.slice(uploads).find((candidate) => candidate.completed),
      );
      const exported = JSON.parse(upload.bytes!.toString('utf8'));
      expect(exported.sessionId).toBe(conversation.sessionId);
      expect(wordsIn(exported), name).toEqual([conversation.word]);
    }
    // The Slack DM: `/export` there.
    const dm = byName.get('slackDm')!;
    const uploads = api.uploads.length;
    await sendSlashCommand(
      url,
      slashCommand('/export', '', { channel_id: 'D0ISOLATE', response_url: api.responseUrl() }),
      signed,
    );
    const upload = await waitFor('the DM export', () =>
      api.uploads.slice(uploads).find((candidate) => candidate.completed),
    );
    expect(wordsIn(JSON.parse(upload.bytes!.toString('utf8')))).toEqual([dm.word]);

    await settle();
  });

  it("/usage counts a conversation's own calls, and a channel's only its own threads", async () => {
    /** Tokens the fake model billed for a conversation's requests (answers and summaries). */
    const billed = (...names: string[]) => {
      let promptTokens = 0;
      let completionTokens = 0;
      let calls = 0;
      for (const [index, request] of model.requests.entries()) {
        if (!names.includes(owners[index] ?? '')) continue;
        calls++;
        promptTokens += Math.ceil(
          request.body.messages.reduce((sum, m) => sum + String(m.content).length, 0) / 4,
        );
        completionTokens += fakeTokenCount(leakyModel(request.body));
      }
      return `${(promptTokens + completionTokens).toLocaleString('en-US')} tokens (${promptTokens.toLocaleString('en-US')} in + ${completionTokens.toLocaleString('en-US')} out), ${calls} calls`;
    };
    const usageIn = async (channel: string, team: string, root: string): Promise<string> => {
      const before = api.callsTo('chat.postEphemeral').length;
      const envelope = appMention(
        { channel, team, thread_ts: root, text: `${BOT} usage` },
        { team_id: team },
      );
      envelope.event_id = `EvUsage${team}${channel}${root}`;
      await sendSlackEvent(url, envelope, signed);
      const call = await waitFor('the usage answer', () => api.callsTo('chat.postEphemeral')[before]);
      await settle();
      return String(call.body.text);
    };
    const [, , channelA, rootA] = conversations[0]!.sessionId.split(':') as [string, string, string, string];
    const inA = await usageIn(channelA, FIXTURE.team, rootA);
    expect(inA).toContain(`this conversation: ${billed('slackThreadA')}`);
    // The channel holds threads A and B; the same channel id in the other workspace is not part of it.
    expect(inA).toContain(`this channel today: ${billed('slackThreadA', 'slackThreadB')}`);
    const inOtherTeam = await usageIn(channelA, OTHER_TEAM, rootA);
    expect(inOtherTeam).toContain(`this conversation: ${billed('slackOtherTeam')}`);
    expect(inOtherTeam).toContain(`this channel today: ${billed('slackOtherTeam')}`);

    // Discord: a thread's usage is its own; its channel counts the channel and its threads.
    const interaction = discord.sendInteraction({ name: 'usage', channel_id: discordIds.thread });
    const answer = await waitFor('the Discord usage', () => {
      const { original } = discord.interactionReplies(interaction.id);
      return original && original.content !== '' ? original : undefined;
    });
    expect(answer.content).toContain(`this conversation: ${billed('discordThread')}`);
    expect(answer.content).toContain(`this channel today: ${billed('discordChannel', 'discordThread')}`);
    // The two guilds sharing a channel id keep separate totals.
    const general = await parley.store.getMeta(
      conversations.find((c) => c.name === 'discordGeneral')!.sessionId,
    );
    const otherGuild = await parley.store.getMeta(
      conversations.find((c) => c.name === 'discordOtherGuild')!.sessionId,
    );
    expect(general.usage.calls).toBe(owners.filter((owner) => owner === 'discordGeneral').length);
    expect(otherGuild.usage.calls).toBe(owners.filter((owner) => owner === 'discordOtherGuild').length);
  });
});

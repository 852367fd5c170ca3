import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_REFUSED } from '../../adapters/discord/commands.ts';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, type FakeUser, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { promptText } from '../fakes/name-from-prompt.ts';
import { sendSlackEvent, sendSlashCommand } from '../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE, nextTs, slashCommand } from '../fixtures/slack/events.ts';
import { captureLogs } from '../helpers/captured-logs.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { queueDrained, slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'access-e2e-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
const DEFAULT_PROMPT = 'You are the access test assistant.';
const SLACK_ADMIN = 'U0ADMIN01';
const SLACK_DENIED = 'U0DENIED1';
const CAP = 3;

let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let discord: FakeDiscord;
let parley: RunningParley;
let url: string;
const logs = captureLogs();
const people: Record<'admin' | 'mallory' | 'alice', FakeUser> = {} as never;
const ids = { channel: '', closed: '', flood: '', closedThread: '', openThread: '' };

/** Whether any model request so far carried `text`. */
const modelSaw = (text: string) =>
  model.requests.some((request) => promptText(request.body.messages).includes(text));

const settle = () => queueDrained(parley);

/** Drops logged by the access rules so far, as `reason` per session. */
const drops = () =>
  logs
    .entries()
    .filter((line) => line.msg === 'turn dropped by access rules')
    .map((line) => ({ sessionId: String(line.sessionId), reason: String(line.reason) }));

/** Waits until `count` more drops than `before` were logged; returns the new ones. */
async function newDrops(before: number, count: number) {
  return waitFor(`${count} drops`, () =>
    drops().length >= before + count ? drops().slice(before) : undefined,
  );
}

/** Runs a Discord slash command as `user` in `channelId` and returns what the invoker was shown. */
async function discordCommand(
  channelId: string,
  user: FakeUser,
  name: string,
  options?: Array<{ name: string; type: number; value: string | boolean }>,
): Promise<string> {
  const interaction = discord.sendInteraction({
    name,
    user,
    channel_id: channelId,
    ...(options ? { options } : {}),
  });
  const answer = await waitFor(`the answer to /${name}`, () => {
    const { original } = discord.interactionReplies(interaction.id);
    if (original && original.content !== '') return original.content;
    const data = discord.interactionResponse(interaction.id)?.data as { content?: string } | undefined;
    return data?.content;
  });
  return answer;
}

async function startWith(env: Record<string, string>, prefix: string): Promise<void> {
  parley = await startTestParley(
    {
      OPENAI_BASE_URL: model.url,
      SYSTEM_PROMPT: DEFAULT_PROMPT,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      ...env,
    },
    logs.logger('info'),
  );
  url = slackEventsUrl(parley);
}

beforeAll(async () => {
  [model, redis, api, discord] = await Promise.all([
    startFakeOpenAI(),
    startTestRedis(),
    startFixtureSlackApi(),
    startFakeDiscord(),
  ]);
  for (const [id, name] of [
    [SLACK_ADMIN, 'Ada'],
    [SLACK_DENIED, 'Mallory'],
  ]) {
    api.users.set(id!, { id: id!, name: name!.toLowerCase(), profile: { display_name: name } });
  }
  people.alice = discord.alice;
  people.admin = discord.user('ada', { globalName: 'Ada' });
  people.mallory = discord.user('mallory', { globalName: 'Mallory' });
  ids.channel = discord.addTextChannel('open');
  ids.closed = discord.addTextChannel('closed');
  ids.flood = discord.addTextChannel('flood');
  ids.openThread = discord.addThread('open thread', ids.channel);
  ids.closedThread = discord.addThread('closed thread', ids.closed);
});

afterAll(async () => {
  await Promise.all([model?.close(), redis?.close(), api?.close(), discord?.close()]);
});

describe('access rules, admins and the channel cap, end to end (Slack and Discord)', () => {
  beforeAll(async () => {
    await startWith(
      {
        SLACK_BOT_TOKEN: 'xoxb-access',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: api.url,
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        DENIED_USERS: `${SLACK_DENIED},${people.mallory.id}`,
        ALLOWED_CHANNELS: [
          'C0OPEN',
          'C0FLOOD',
          'C0FLOOD2',
          'D0OPEN',
          ids.channel,
          ids.flood,
          discord.dmChannelOf(people.alice),
        ].join(','),
        ALLOWED_SLACK_WORKSPACES: FIXTURE.team,
        ALLOWED_DISCORD_GUILDS: discord.guildId,
        ADMIN_USERS: `${SLACK_ADMIN},${people.admin.id}`,
        CHANNEL_REPLIES_PER_MINUTE: String(CAP),
      },
      'access-e2e',
    );
  });

  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
  });

  async function mention(
    channel: string,
    text: string,
    options: { user?: string; team?: string; ts?: string } = {},
  ) {
    const ts = options.ts ?? nextTs();
    const team = options.team ?? FIXTURE.team;
    const envelope = appMention(
      { channel, ts, team, user: options.user ?? FIXTURE.user, text: `${BOT} ${text}` },
      { team_id: team },
    );
    expect((await sendSlackEvent(url, envelope, signed)).status).toBe(200);
    return ts;
  }

  /** Runs a Slack slash command as `user` and returns the private answer. */
  async function slash(channel: string, user: string, command: string, text = ''): Promise<string> {
    const responseUrl = api.responseUrl();
    const response = await sendSlashCommand(
      url,
      slashCommand(command, text, { channel_id: channel, user_id: user, response_url: responseUrl }),
      signed,
    );
    expect(response.status).toBe(200);
    if (response.body !== '') return String((response.json as { text?: string }).text);
    const path = new URL(responseUrl).pathname;
    const answer = await waitFor(`the answer to ${command}`, () =>
      api.responses.find((posted) => posted.path === path),
    );
    return String(answer.body.text);
  }

  it('Slack: denied users, channels, DMs and workspaces get no model call and no reply; each drop is logged', async () => {
    const before = drops().length;
    const deniedUserTs = await mention('C0OPEN', 'denied user speaking', { user: SLACK_DENIED });
    const closedTs = await mention('C0CLOSED', 'closed channel speaking');
    const otherTeamTs = await mention('C0OPEN', 'other workspace speaking', { team: 'T0ELSEWHERE' });
    await sendSlackEvent(url, directMessage({ channel: 'D0CLOSED', text: 'closed DM speaking' }), signed);
    await sendSlackEvent(
      url,
      directMessage({ channel: 'D0OPEN', user: SLACK_DENIED, text: 'denied DM speaking' }),
      signed,
    );

    const dropped = await newDrops(before, 5);
    expect(dropped.map((drop) => drop.reason).sort()).toEqual(
      [
        'channel not allowed',
        'channel not allowed',
        'user denied',
        'user denied',
        'workspace not allowed',
      ].sort(),
    );
    // Allowed people in allowed places are answered meanwhile.
    const openTs = await mention('C0OPEN', 'allowed speaking');
    await sendSlackEvent(url, directMessage({ channel: 'D0OPEN', text: 'allowed DM speaking' }), signed);
    await waitFor(
      'both answers',
      () => api.messagesIn('C0OPEN', openTs).length > 0 && api.messagesIn('D0OPEN').length > 0,
    );
    await settle();

    for (const text of [
      'denied user speaking',
      'closed channel speaking',
      'other workspace speaking',
      'closed DM speaking',
      'denied DM speaking',
    ]) {
      expect(modelSaw(text), text).toBe(false);
    }
    expect(modelSaw('allowed speaking')).toBe(true);
    expect(api.messagesIn('C0OPEN', deniedUserTs)).toEqual([]);
    expect(api.messagesIn('C0CLOSED', closedTs)).toEqual([]);
    expect(api.messagesIn('C0OPEN', otherTeamTs)).toEqual([]);
    expect(api.messagesIn('D0CLOSED')).toEqual([]);
    expect(api.messagesIn('D0OPEN').every((message) => !message.text.includes('denied'))).toBe(true);
  });

  it('Slack: a denied user cannot reset, clear or read anything through commands', async () => {
    const ts = await mention('C0OPEN', 'remember PERSIMMON');
    await waitFor('the answer', () => api.messagesIn('C0OPEN', ts).length > 0);
    await settle();
    const session = `slack:${FIXTURE.team}:C0OPEN:${ts}`;
    const before = drops().length;
    // Refused commands say so (never "done"), and change nothing.
    for (const [command, text] of [
      ['/reset', ''],
      ['/forget', 'confirm'],
    ] as const) {
      const response = await sendSlashCommand(
        url,
        slashCommand(command, text, {
          channel_id: 'C0OPEN',
          user_id: SLACK_DENIED,
          response_url: api.responseUrl(),
        }),
        signed,
      );
      expect(response.status).toBe(200);
      expect(response.body).toContain('Sorry, I cannot do that for you here');
    }
    const dropped = await newDrops(before, 2);
    expect(dropped.every((drop) => drop.reason === 'user denied')).toBe(true);
    await settle();
    expect(await parley.store.count(session)).toBe(2);
    // "@bot reset" in the thread is dropped too, and gets no confirmation.
    const ephemerals = api.callsTo('chat.postEphemeral').length;
    await mention('C0OPEN', 'reset', { user: SLACK_DENIED, ts: nextTs() });
    await newDrops(before + 2, 1);
    await settle();
    expect(api.callsTo('chat.postEphemeral').length).toBe(ephemerals);
    expect(await parley.store.count(session)).toBe(2);
  });

  it('Slack: only an admin sets the persona; anyone can view it; a non-admin cannot forget the channel', async () => {
    expect(await slash('C0OPEN', FIXTURE.user, '/persona', 'You are a mutineer.')).toMatch(
      /Only admins can use `persona`/,
    );
    expect(await slash('C0OPEN', SLACK_ADMIN, '/persona', 'You are a pirate.')).toMatch(/Persona set/);
    expect(await slash('C0OPEN', FIXTURE.user, '/persona')).toContain('You are a pirate.');
    // The same by mention in a thread.
    const root = await mention('C0OPEN', 'hello captain');
    await waitFor('the answer', () => api.messagesIn('C0OPEN', root).length > 0);
    await settle();
    expect(model.requests.at(-1)?.body.messages[0]).toEqual({ role: 'system', content: 'You are a pirate.' });
    const ephemerals = api.callsTo('chat.postEphemeral').length;
    await mention('C0OPEN', 'persona You are a mutineer.', { ts: nextTs() });
    const refused = await waitFor('the refusal', () => api.callsTo('chat.postEphemeral')[ephemerals]);
    expect(String(refused.body.text)).toMatch(/Only admins/);
    await settle();

    expect(await slash('C0OPEN', FIXTURE.user, '/forget', 'confirm')).toMatch(/Only admins can use `forget`/);
    expect(await parley.store.count(`slack:${FIXTURE.team}:C0OPEN:${root}`)).toBe(2);
    expect((await parley.store.getMeta(`slack:${FIXTURE.team}:C0OPEN`)).persona).toBe('You are a pirate.');
    expect(modelSaw('mutineer')).toBe(false);
  });

  it(`Slack: the channel cap answers ${CAP} of 6 quick mentions, per channel, and leaves commands alone`, async () => {
    const before = drops().length;
    const roots: string[] = [];
    for (let index = 0; index < 6; index++) roots.push(await mention('C0FLOOD', `flood ${index}`));
    const dropped = await newDrops(before, 6 - CAP);
    expect(dropped.every((drop) => drop.reason === 'channel rate cap reached')).toBe(true);
    const other = await mention('C0FLOOD2', 'another channel');
    await waitFor(
      'the answers',
      () =>
        roots.filter((ts) => api.messagesIn('C0FLOOD', ts).length > 0).length === CAP &&
        api.messagesIn('C0FLOOD2', other).length > 0,
    );
    expect(await slash('C0FLOOD', FIXTURE.user, '/usage')).toMatch(/this channel today/);
    await settle();
    expect(roots.map((ts) => api.messagesIn('C0FLOOD', ts).length)).toEqual([1, 1, 1, 0, 0, 0]);
    expect([0, 1, 2, 3, 4, 5].map((index) => modelSaw(`flood ${index}`))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('Discord: denied users and channels (and threads in them) get no model call and no reply', async () => {
    const before = drops().length;
    discord.sendMessageCreate({
      channel_id: ids.channel,
      author: people.mallory,
      content: `${discord.mention} mallory in the open`,
    });
    discord.sendMessageCreate({ author: people.mallory, dm: true, content: 'mallory in a DM' });
    discord.sendMessageCreate({
      channel_id: ids.closed,
      content: `${discord.mention} alice in the closed channel`,
    });
    discord.sendMessageCreate({
      channel_id: ids.closedThread,
      content: `${discord.mention} alice in a closed thread`,
    });
    discord.sendMessageCreate({ author: people.admin, dm: true, content: 'a DM not on the list' });
    const dropped = await newDrops(before, 5);
    expect(dropped.map((drop) => drop.reason).sort()).toEqual(
      [
        'channel not allowed',
        'channel not allowed',
        'channel not allowed',
        'user denied',
        'user denied',
      ].sort(),
    );
    // Allowed: the open channel, a thread in it (its parent is on the list) and Alice's DM.
    discord.sendMessageCreate({ channel_id: ids.channel, content: `${discord.mention} alice in the open` });
    discord.sendMessageCreate({
      channel_id: ids.openThread,
      content: `${discord.mention} alice in an open thread`,
    });
    discord.sendMessageCreate({ author: people.alice, dm: true, content: 'alice in her DM' });
    const aliceDm = discord.dmChannelOf(people.alice);
    await waitFor('the three answers', () =>
      [ids.channel, ids.openThread, aliceDm].every((channel) => discord.messagesIn(channel).length > 0),
    );
    await settle();
    for (const text of [
      'mallory in the open',
      'mallory in a DM',
      'closed channel',
      'closed thread',
      'a DM not on the list',
    ]) {
      expect(modelSaw(text), text).toBe(false);
    }
    expect(discord.messagesIn(ids.closed)).toEqual([]);
    expect(discord.messagesIn(ids.closedThread)).toEqual([]);
    expect(discord.messagesIn(discord.dmChannelOf(people.mallory))).toEqual([]);
    expect(discord.messagesIn(ids.channel).map((message) => message.content)).toEqual([
      'Echo: Alice: alice in the open',
    ]);
  });

  it('Discord: a denied user is refused commands; only an admin sets the persona; anyone can view it', async () => {
    expect(await discordCommand(ids.channel, people.mallory, 'usage')).toBe(COMMAND_REFUSED);
    const text = (value: string) => [{ name: 'text', type: 3, value }];
    expect(await discordCommand(ids.channel, people.alice, 'persona', text('You are a mutineer.'))).toMatch(
      /Only admins/,
    );
    expect(await discordCommand(ids.channel, people.admin, 'persona', text('You are a parrot.'))).toMatch(
      /Persona set/,
    );
    expect(await discordCommand(ids.openThread, people.alice, 'persona')).toContain('You are a parrot.');
    const confirm = [{ name: 'confirm', type: 5, value: true }];
    expect(await discordCommand(ids.channel, people.alice, 'forget', confirm)).toMatch(
      /Only admins can use `forget`/,
    );
    // A denied user's `/reset` is refused, not confirmed, and clears nothing.
    const dropsBefore = drops().length;
    expect(await discordCommand(ids.channel, people.mallory, 'reset')).toBe(COMMAND_REFUSED);
    expect((await newDrops(dropsBefore, 1))[0]?.reason).toBe('user denied');
    await settle();
    expect(await parley.store.count(`discord:${discord.guildId}:${ids.channel}`)).toBe(2);

    const before = discord.messagesIn(ids.openThread).length;
    discord.sendMessageCreate({ channel_id: ids.openThread, content: `${discord.mention} who are you?` });
    await waitFor('the answer', () => discord.messagesIn(ids.openThread).length > before);
    await settle();
    expect(model.requests.at(-1)?.body.messages[0]).toEqual({ role: 'system', content: 'You are a parrot.' });
  });

  it(`Discord: the channel cap answers ${CAP} of 6 quick mentions`, async () => {
    const before = drops().length;
    for (let index = 0; index < 6; index++) {
      discord.sendMessageCreate({
        channel_id: ids.flood,
        content: `${discord.mention} discord flood ${index}`,
      });
    }
    const dropped = await newDrops(before, 6 - CAP);
    expect(dropped.every((drop) => drop.reason === 'channel rate cap reached')).toBe(true);
    await waitFor('the answers', () => discord.messagesIn(ids.flood).length >= CAP);
    await settle();
    expect(discord.messagesIn(ids.flood)).toHaveLength(CAP);
    expect([0, 1, 2, 3, 4, 5].map((index) => modelSaw(`discord flood ${index}`))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('ALLOWED_DISCORD_GUILDS without the guild (a Discord-only process)', () => {
  beforeAll(async () => {
    model.reset();
    await startWith(
      {
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        ALLOWED_DISCORD_GUILDS: '123456789012345678',
      },
      'access-guild-e2e',
    );
  });

  afterAll(async () => {
    await parley?.stop({ timeoutMs: 5_000 });
  });

  it("drops the other guild's mentions and commands, and still answers DMs", async () => {
    const before = drops().length;
    const channelReplies = discord.messagesIn(ids.channel).length;
    discord.sendMessageCreate({
      channel_id: ids.channel,
      content: `${discord.mention} from an unlisted guild`,
    });
    discord.sendMessageCreate({ channel_id: ids.openThread, content: `${discord.mention} from its thread` });
    const dropped = await newDrops(before, 2);
    expect(dropped.map((drop) => drop.reason)).toEqual(['guild not allowed', 'guild not allowed']);
    expect(await discordCommand(ids.channel, people.admin, 'usage')).toBe(COMMAND_REFUSED);

    const bob = discord.user('bob', { globalName: 'Bob' });
    const sent = discord.sendMessageCreate({ author: bob, dm: true, content: 'a DM is in no guild' });
    await waitFor('the DM answer', () => discord.messagesIn(sent.channel_id).length > 0);
    await settle();
    expect(model.requests).toHaveLength(1);
    expect(modelSaw('a DM is in no guild')).toBe(true);
    expect(discord.messagesIn(ids.channel)).toHaveLength(channelReplies);
  });
});

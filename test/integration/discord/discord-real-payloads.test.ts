import { readFileSync } from 'node:fs';
import { ChatInputCommandInteraction, Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordIngress } from '../../../adapters/discord/index.ts';
import { interactionToTurn } from '../../../adapters/discord/interaction-to-turn.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';
import { makeGuild, makeRole, makeTextChannel } from '../../fakes/fake-discord-payloads.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';

/**
 * Every recorded Discord payload of `shared/fixtures/real-payloads/discord/` (SOURCES.md, Discord section),
 * adapted as that table says, through the real discord.js client on the fake gateway — with and without the
 * Message Content intent (without it, Discord blanks the content of guild messages that do not mention the bot).
 * Interactions go through discord.js's own interaction class and the adapter's converter.
 */
// biome-ignore lint/suspicious/noExplicitAny: recorded payloads are untyped JSON, adapted field by field as SOURCES.md says.
type Json = Record<string, any>;
const load = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../shared/fixtures/real-payloads/discord/${name}`, import.meta.url),
      'utf8',
    ),
  ).payload;

/** discord.js builds interactions from gateway payloads; its typings keep the constructor protected. */
const Interaction = ChatInputCommandInteraction as unknown as new (
  client: Client,
  data: unknown,
) => ChatInputCommandInteraction;

const BOT = '100000000000000001';
const THEIR_BOT = '1457469483726668048';
const GUILD = '1457468924290662599';
const CH_A = '1457510428359004343';
const CH_B = '1459213904352645277';
const THREAD = '1457536551830421524';
const DM = '1374993866163355690';
const RESTACK_USER = '675081906911707156';
const ANSWER_TO_D01 = '1473118800000000001';

const swap = (value: unknown, from: string, to: string): Json =>
  JSON.parse(JSON.stringify(value).replaceAll(from, to));
const ours = (payload: Json): Json => swap(payload, THEIR_BOT, BOT);
const botMentionUser = () => ours(load('vercel-ai-mention.json')).mentions[0];

function d06(): Json {
  const reply = swap(load('index-restack-reply.json'), RESTACK_USER, BOT);
  const mention = ours(load('vercel-channel-mention.json'));
  reply.referenced_message = {
    ...reply.referenced_message,
    id: ANSWER_TO_D01,
    channel_id: CH_B,
    content: 'Echo: Test',
    attachments: [],
    author: botMentionUser(),
  };
  delete reply.referenced_message.thread;
  reply.message_reference = { type: 0, channel_id: CH_B, message_id: ANSWER_TO_D01, guild_id: GUILD };
  return { ...reply, channel_id: CH_B, guild_id: GUILD, channel_type: 0, member: mention.member };
}

function dmMessage(): Json {
  const {
    guild_id: _guild,
    member: _member,
    position: _position,
    ...rest
  } = load('vercel-thread-message.json');
  return { ...rest, id: '1457536593454825600', channel_id: DM, channel_type: 1 };
}

/** The cases of SOURCES.md: what each payload is dispatched as, and the turn it must become (null: ignored). */
function cases(): Array<{ name: string; t: string; d: Json; turn: Partial<Turn> | null; noIntent?: null }> {
  const threadMessage = load('vercel-thread-message.json');
  const aiMention = ours(load('vercel-ai-mention.json'));
  const restack = load('index-restack-reply.json');
  const inline = (payload: Json, content: string) => ({ ...payload, content: `<@${BOT}> ${content}` });
  const d07 = { ...d06(), id: '1330120228889296968', content: d06().content.replace(`<@${BOT}> `, '') };
  const webhook = load('tribute-webhook-message.json');
  const otherBot = load('vercel-bot-message.json');
  const update = load('serenity-message-update.json');
  const author = threadMessage.author;
  const thread = `discord:${GUILD}:${THREAD}`;
  return [
    { name: 'D03 thread, no mention, not followed', t: 'MESSAGE_CREATE', d: threadMessage, turn: null },
    {
      name: 'D01 guild mention',
      t: 'MESSAGE_CREATE',
      d: ours(load('vercel-channel-mention.json')),
      turn: { kind: 'message', sessionId: `discord:${GUILD}:${CH_B}`, text: 'Test' },
    },
    {
      name: 'D02 <@!id> mention',
      t: 'MESSAGE_CREATE',
      d: { ...aiMention, content: aiMention.content.replace(`<@${BOT}>`, `<@!${BOT}>`) },
      turn: { kind: 'message', sessionId: `discord:${GUILD}:${CH_A}`, text: 'AI What is love' },
    },
    {
      name: 'D04 thread, with mention (the thread becomes followed)',
      t: 'MESSAGE_CREATE',
      d: { ...inline(threadMessage, 'Hey'), id: '1457536593454825553', mentions: [botMentionUser()] },
      turn: { kind: 'message', sessionId: thread, scopeId: `discord:${GUILD}:${CH_A}`, text: 'Hey' },
    },
    {
      name: 'D03 thread, no mention, followed',
      t: 'MESSAGE_CREATE',
      d: { ...threadMessage, id: '1457536593454825554' },
      turn: { kind: 'message', sessionId: thread, text: 'Hey' },
      noIntent: null,
    },
    {
      name: 'D05 DM',
      t: 'MESSAGE_CREATE',
      d: dmMessage(),
      turn: { kind: 'message', sessionId: `discord:dm:${DM}`, text: 'Hey' },
    },
    {
      name: 'D06 reply to the bot',
      t: 'MESSAGE_CREATE',
      d: d06(),
      turn: {
        kind: 'message',
        sessionId: `discord:${GUILD}:${CH_B}`,
        text: expect.stringMatching(/^Hey , for/),
      },
    },
    {
      name: 'D07 reply, ping only',
      t: 'MESSAGE_CREATE',
      d: d07,
      turn: {
        kind: 'message',
        sessionId: `discord:${GUILD}:${CH_B}`,
        text: expect.stringMatching(/^Hey , for/),
      },
    },
    {
      // Further adapted: a reply without the ping (the bot is not in `mentions`), which Discord sends with
      // content only under the Message Content intent.
      name: 'D07b reply, no ping',
      t: 'MESSAGE_CREATE',
      d: { ...d07, id: '1330120228889296969', mentions: [] },
      turn: { kind: 'message', sessionId: `discord:${GUILD}:${CH_B}` },
      noIntent: null,
    },
    {
      name: 'D08 attachment + embed',
      t: 'MESSAGE_CREATE',
      d: {
        ...aiMention,
        id: '1457536647464747060',
        attachments: [restack.referenced_message.attachments[0]],
        embeds: [{ ...restack.embeds[0], reference_id: '1457536647464747060' }],
      },
      turn: {
        kind: 'message',
        text: 'AI What is love',
        attachments: [
          {
            name: 'image.png',
            mimeType: 'image/png',
            sizeBytes: 214758,
            source: { type: 'url', url: restack.referenced_message.attachments[0].url },
            fileId: '1330049099147251772',
            platform: 'discord',
          },
        ],
      },
    },
    {
      name: 'D09 webhook',
      t: 'MESSAGE_CREATE',
      d: {
        ...inline(webhook, webhook.content),
        channel_id: CH_A,
        guild_id: GUILD,
        channel_type: 0,
        mentions: [botMentionUser()],
      },
      turn: null,
    },
    {
      name: 'D10 another bot',
      t: 'MESSAGE_CREATE',
      d: { ...inline(otherBot, 'hi'), id: '1457536567810854940', mentions: [botMentionUser()] },
      turn: null,
    },
    {
      name: 'D11 own message',
      t: 'MESSAGE_CREATE',
      d: { ...ours(otherBot), id: '1457536567810854941' },
      turn: null,
    },
    {
      name: 'D12 MESSAGE_UPDATE in the DM',
      t: 'MESSAGE_UPDATE',
      d: { ...update, id: dmMessage().id, channel_id: DM, author },
      turn: { kind: 'edit', sessionId: `discord:dm:${DM}`, targetRef: dmMessage().id, text: 'b' },
    },
  ];
}

/** What Discord sends without the Message Content intent: guild messages not mentioning the bot come blank. */
function withoutContent(t: string, d: Json): Json {
  const mentionsBot = (d.mentions ?? []).some((user: Json) => user.id === BOT);
  if (t !== 'MESSAGE_CREATE' || d.guild_id === undefined || mentionsBot) return d;
  return { ...d, content: '', attachments: [], embeds: [], components: [] };
}

describe.each([true, false])(
  'real Discord payloads through discord.js (Message Content %s)',
  (messageContent) => {
    let fake: FakeDiscord;
    let sink: RecordingSink;
    let ingress: PlatformIngress;
    const marks = new Set<string>();
    beforeAll(async () => {
      fake = await startFakeDiscord({ botId: BOT });
      sink = createRecordingSink();
      ingress = createDiscordIngress({
        config: fakeDiscordConfig(fake, { messageContent }),
        sink,
        logger: silentLogger,
        followed: { follow: async (id) => void marks.add(id), isFollowed: async (id) => marks.has(id) },
      });
      await ingress.start();
      // Scaffolding: discord.js drops guild messages of guilds (and threads) it was not told about.
      const channels = [makeTextChannel(GUILD, 'a', CH_A), makeTextChannel(GUILD, 'b', CH_B)];
      const role = { ...makeRole('Chat SDK Demo', 0n, '1457473602180878604'), managed: true };
      fake.dispatch(
        'GUILD_CREATE',
        makeGuild({
          id: GUILD,
          name: 'recorded',
          ownerId: '1',
          bot: fake.bot,
          channels,
          threads: [],
          roles: [role],
        }),
      );
      fake.dispatch('THREAD_CREATE', ours(load('vercel-thread-create.json')));
    });
    afterAll(async () => {
      await ingress?.stop();
      await fake?.close();
    });

    it('turns each recorded message into the turn SOURCES.md says, or ignores it', async () => {
      for (const { name, t, d, ...expected } of cases()) {
        fake.dispatch(t, messageContent ? d : withoutContent(t, d));
        // One connection, handled in order: once the sentinel's turn is in, this case's turn would be too.
        const sentinel = fake.sendMessageCreate({ dm: true, content: `after ${name}` });
        await sink.waitFor((turn) => turn.id === sentinel.id);
        const isEdit = t === 'MESSAGE_UPDATE';
        const got =
          sink.turns.find((turn) => turn.messageRef === d.id && (turn.kind === 'edit') === isEdit) ?? null;
        const want = !messageContent && 'noIntent' in expected ? null : expected.turn;
        if (want === null) expect(got, name).toBeNull();
        else {
          expect(got, name).toMatchObject({ ...want, messageRef: d.id });
          // Exactly the recorded files (none where the recording has none), and no credentials to queue.
          expect(got?.attachments, name).toEqual(want.attachments);
          expect(JSON.stringify(got), name).not.toMatch(/authorization|Bot |Bearer/i);
        }
      }
    });
  },
);

describe('real Discord interactions through discord.js and interactionToTurn', () => {
  const client = new Client({ intents: [] });
  afterAll(() => client.destroy());
  const user = () => ({ ...load('fischl-dm-interaction.json').user, id: '1033044521375764530' });
  const adapt = (payload: Json): Json => {
    const { options: _options, ...data } = payload.data;
    return { ...payload, data: { ...data, name: 'reset' }, token: 'aW50ZXJhY3Rpb24token' };
  };

  it('D13: /reset in a guild resets the channel where it was used', () => {
    const recorded = adapt(load('fischl-guild-interaction.json'));
    const dmUser = load('fischl-dm-interaction.json').user;
    const payload = {
      ...recorded,
      member: {
        ...recorded.member,
        user: { ...recorded.member.user, clan: dmUser.clan, primary_guild: dmUser.primary_guild },
      },
    };
    const turn = interactionToTurn(new Interaction(client, payload));
    expect(turn).toMatchObject({
      kind: 'reset',
      sessionId: 'discord:1345046958481346613:1345046959593095214',
      author: { id: '1034315047838687264', name: 'Cube Nerd', isPlatformAdmin: true },
    });
  });

  it('D14: /reset in a DM resets the DM', () => {
    const recorded = adapt(load('fischl-dm-interaction.json'));
    const payload = {
      ...recorded,
      channel_id: DM,
      channel: { ...recorded.channel, id: DM, recipients: [user()] },
      user: user(),
    };
    const turn = interactionToTurn(new Interaction(client, payload));
    expect(turn).toMatchObject({ kind: 'reset', sessionId: `discord:dm:${DM}`, author: { id: user().id } });
  });

  it('the docs example (no entitlements) is refused by discord.js itself, before any bot code runs', () => {
    expect(() => new Interaction(client, load('docs-slash-interaction-guild.json'))).toThrow();
  });
});

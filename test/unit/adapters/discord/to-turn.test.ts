import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  type MessageLike,
  moveToThread,
  scopeSessionId,
  threadName,
  toTurn,
} from '../../../../adapters/discord/to-turn.ts';
import { parseSessionId } from '../../../../src/turn/session-id.ts';

const BOT = '900000000000000001';
const GUILD = '800000000000000001';
const CHANNEL = '700000000000000001';
const CATEGORY = '710000000000000001';
const context = { botUserId: BOT, ignoreBots: true };

function message(
  overrides: Partial<MessageLike> & {
    mentionsBot?: boolean;
    thread?: boolean;
    parentId?: string | null;
  } = {},
): MessageLike {
  const { mentionsBot = false, thread = false, parentId = null, ...rest } = overrides;
  return {
    id: '600000000000000001',
    content: 'hello',
    system: false,
    createdTimestamp: 1_700_000_000_000,
    guildId: null,
    channelId: CHANNEL,
    webhookId: null,
    author: { id: '500000000000000001', bot: false, username: 'alice_w', globalName: 'Alice' },
    member: null,
    mentions: { users: { has: (id: string) => mentionsBot && id === BOT } },
    attachments: { size: 0, values: () => [] },
    channel: { isThread: () => thread, parentId },
    ...rest,
  };
}

describe('toTurn', () => {
  it('turns any DM into a turn of the DM session, without a reply reference', () => {
    const turn = toTurn(message(), context);
    expect(turn).toEqual({
      id: '600000000000000001',
      sessionId: `discord:dm:${CHANNEL}`,
      scopeId: `discord:dm:${CHANNEL}`,
      kind: 'message',
      messageRef: '600000000000000001',
      author: { id: '500000000000000001', name: 'Alice', isPlatformAdmin: false },
      text: 'hello',
      target: { platform: 'discord', channelId: CHANNEL },
      receivedAt: 1_700_000_000_000,
    });
    expect(parseSessionId(turn!.sessionId)).toEqual({ platform: 'discord', parts: ['dm', CHANNEL] });
  });

  it('answers a guild mention in the channel session, strips the mention and references the message', () => {
    const turn = toTurn(
      message({ guildId: GUILD, content: `<@${BOT}> what is Redis? <@!${BOT}>`, mentionsBot: true }),
      context,
    );
    expect(turn?.sessionId).toBe(`discord:${GUILD}:${CHANNEL}`);
    expect(turn?.scopeId).toBe(turn?.sessionId);
    expect(turn?.text).toBe('what is Redis?');
    expect(turn?.target).toEqual({
      platform: 'discord',
      channelId: CHANNEL,
      workspaceId: GUILD,
      replyToMessageId: '600000000000000001',
    });
  });

  it('ignores guild messages that do not mention the bot', () => {
    expect(toTurn(message({ guildId: GUILD, content: 'just chatting' }), context)).toBeNull();
  });

  it('gives a thread its own session and names the thread in the target', () => {
    const thread = '700000000000000999';
    const turn = toTurn(
      message({
        guildId: GUILD,
        channelId: thread,
        content: `<@${BOT}> hi`,
        mentionsBot: true,
        thread: true,
        parentId: CHANNEL,
      }),
      context,
    );
    expect(turn?.sessionId).toBe(`discord:${GUILD}:${thread}`);
    // Persona, budget and /forget of the channel cover its threads.
    expect(turn?.scopeId).toBe(`discord:${GUILD}:${CHANNEL}`);
    expect(turn?.target.threadId).toBe(thread);
    expect(turn?.target.channelId).toBe(thread);
  });

  it('keeps a channel inside a category its own scope (a channel parent is a category, not a scope)', () => {
    const turn = toTurn(
      message({ guildId: GUILD, content: `<@${BOT}> hi`, mentionsBot: true, parentId: CATEGORY }),
      context,
    );
    expect(turn?.scopeId).toBe(`discord:${GUILD}:${CHANNEL}`);
  });

  it('marks a member with Manage Server, or Manage Channels in the channel, as a platform admin', () => {
    const can = (...flags: bigint[]) => ({ has: (flag: bigint) => flags.includes(flag) });
    const nothing = can();
    const inGuild = { guildId: GUILD, mentionsBot: true };
    const member = (permissions: ReturnType<typeof can>) => ({ displayName: 'Ally', permissions });
    const channel = (inChannel: ReturnType<typeof can> | null) => ({
      isThread: () => false,
      parentId: null,
      permissionsFor: () => inChannel,
    });
    const adminOf = (overrides: Partial<MessageLike>) =>
      toTurn(message({ ...inGuild, ...overrides }), context)?.author.isPlatformAdmin;
    expect(adminOf({ member: member(can(PermissionFlagsBits.ManageGuild)) })).toBe(true);
    expect(
      adminOf({ member: member(nothing), channel: channel(can(PermissionFlagsBits.ManageChannels)) }),
    ).toBe(true);
    expect(adminOf({ member: member(nothing), channel: channel(nothing) })).toBe(false);
    expect(adminOf({ member: member(can(PermissionFlagsBits.ManageMessages)) })).toBe(false);
    // No member (a DM, or discord.js could not resolve one), or a channel that cannot tell: not an admin.
    expect(adminOf({ member: null })).toBe(false);
    const throwing = {
      ...channel(nothing),
      permissionsFor: () => {
        throw new Error('role not cached');
      },
    };
    expect(adminOf({ member: member(nothing), channel: throwing })).toBe(false);
  });

  it('never counts another bot as an admin, whatever its permissions', () => {
    const otherBot = { id: '500000000000000009', bot: true, username: 'helper', globalName: null };
    const permissions = { has: () => true };
    const turn = toTurn(
      message({
        guildId: GUILD,
        mentionsBot: true,
        author: otherBot,
        member: { displayName: 'h', permissions },
      }),
      { ...context, ignoreBots: false },
    );
    expect(turn?.author.isPlatformAdmin).toBe(false);
  });

  it('names the author by server nickname, then global name, then username', () => {
    const inGuild = { guildId: GUILD, content: `<@${BOT}> hi`, mentionsBot: true };
    expect(toTurn(message({ ...inGuild, member: { displayName: 'Ally' } }), context)?.author.name).toBe(
      'Ally',
    );
    expect(toTurn(message(inGuild), context)?.author.name).toBe('Alice');
    const plain = { id: '1', bot: false, username: 'alice_w', globalName: null };
    expect(toTurn(message({ author: plain }), context)?.author.name).toBe('alice_w');
  });

  it('ignores its own messages, system messages and empty ones', () => {
    const own = { id: BOT, bot: true, username: 'parley', globalName: null };
    expect(toTurn(message({ author: own }), context)).toBeNull();
    expect(toTurn(message({ system: true }), context)).toBeNull();
    expect(toTurn(message({ content: '   ' }), context)).toBeNull();
    expect(toTurn(message({ guildId: GUILD, content: `<@${BOT}>`, mentionsBot: true }), context)).toBeNull();
  });

  it('ignores other bots and webhooks unless told not to', () => {
    const otherBot = { id: '42', bot: true, username: 'helper', globalName: null };
    expect(toTurn(message({ author: otherBot }), context)).toBeNull();
    expect(toTurn(message({ webhookId: '77' }), context)).toBeNull();
    expect(toTurn(message({ author: otherBot }), { ...context, ignoreBots: false })?.text).toBe('hello');
  });

  it('carries attachments as CDN URLs without headers, and answers a message of files alone', () => {
    const turn = toTurn(message({ content: '', attachments: attachments(FILES) }), context);
    expect(turn?.text).toBe('');
    expect(turn?.attachments).toEqual([
      {
        name: 'diagram.png',
        mimeType: 'image/png',
        sizeBytes: 214_758,
        source: { type: 'url', url: FILES[0]!.url },
        fileId: '1330049099147251772',
        platform: 'discord',
      },
      {
        name: 'notes.txt',
        sizeBytes: 12,
        source: { type: 'url', url: FILES[1]!.url },
        fileId: '1330049099147251773',
        platform: 'discord',
      },
    ]);
    expect(JSON.stringify(turn)).not.toMatch(/authorization|Bot |Bearer/i);
  });

  it('keeps the text as written beside the files (no file names in it)', () => {
    const withText = message({ content: 'what is this?', attachments: attachments(FILES.slice(0, 1)) });
    const turn = toTurn(withText, context)!;
    expect(turn.text).toBe('what is this?');
    expect(turn.attachments?.map((file) => file.name)).toEqual(['diagram.png']);
    expect(toTurn(message(), context)).not.toHaveProperty('attachments');
  });

  it('still ignores a message with neither text nor files, and what it ignores carrying files', () => {
    expect(toTurn(message({ content: `<@${BOT}>` }), context)).toBeNull();
    const otherBot = { id: '42', bot: true, username: 'helper', globalName: null };
    expect(toTurn(message({ author: otherBot, attachments: attachments(FILES) }), context)).toBeNull();
  });

  it('cuts a message claiming more than ten files at ten', () => {
    const many = Array.from({ length: 12 }, (_, index) => ({ ...FILES[1]!, id: String(index) }));
    expect(toTurn(message({ attachments: attachments(many) }), context)?.attachments).toHaveLength(10);
  });
});

/** Attachments as discord.js holds them: id, name, CDN URL, size, content type (null when Discord gave none). */
const FILES = [
  {
    id: '1330049099147251772',
    name: 'diagram.png',
    url: 'https://cdn.discordapp.com/attachments/1293665802523902032/1330049099147251772/diagram.png?ex=678d3900&is=678be780&hm=2698&',
    size: 214_758,
    contentType: 'image/png',
  },
  {
    id: '1330049099147251773',
    name: 'notes.txt',
    url: 'https://cdn.discordapp.com/attachments/1293665802523902032/1330049099147251773/notes.txt?ex=678d3900&is=678be780&hm=2699&',
    size: 12,
    contentType: null,
  },
];

function attachments(files: typeof FILES): MessageLike['attachments'] {
  return { size: files.length, values: () => files.values() };
}

describe('moveToThread', () => {
  it('moves a guild turn into the thread started on it', () => {
    const turn = toTurn(message({ guildId: GUILD, content: `<@${BOT}> hi`, mentionsBot: true }), context)!;
    const moved = moveToThread(turn, '600000000000000001');
    expect(moved.sessionId).toBe(`discord:${GUILD}:600000000000000001`);
    expect(moved.target).toEqual({
      platform: 'discord',
      channelId: '600000000000000001',
      threadId: '600000000000000001',
      workspaceId: GUILD,
    });
    expect(moved.id).toBe(turn.id);
    // The channel the question was asked in stays the scope of the thread started on it.
    expect(moved.scopeId).toBe(`discord:${GUILD}:${CHANNEL}`);
  });

  it('refuses a DM turn', () => {
    expect(() => moveToThread(toTurn(message(), context)!, '1')).toThrow();
  });
});

describe('threadName', () => {
  it('uses the first line, shortened', () => {
    expect(threadName('How do I scale?\nmore')).toBe('How do I scale?');
    expect(threadName('x'.repeat(200))).toHaveLength(80);
    expect(threadName('  ')).toBe('Parley');
  });
});

describe('scopeSessionId', () => {
  it('is the parent channel for a thread, the session itself otherwise', () => {
    const thread = { isThread: () => true, parentId: CHANNEL };
    expect(scopeSessionId(GUILD, '1', thread)).toBe(`discord:${GUILD}:${CHANNEL}`);
    expect(scopeSessionId(GUILD, CHANNEL, { isThread: () => false, parentId: CATEGORY })).toBe(
      `discord:${GUILD}:${CHANNEL}`,
    );
    expect(scopeSessionId(null, CHANNEL, null)).toBe(`discord:dm:${CHANNEL}`);
    // An uncached channel: the session itself is the safest scope.
    expect(scopeSessionId(GUILD, CHANNEL, null)).toBe(`discord:${GUILD}:${CHANNEL}`);
  });
});

describe('toTurn: replies and follow-ups', () => {
  const inThread = { guildId: GUILD, thread: true, parentId: CHANNEL };
  const mentioning = (ids: string[], repliedUser: { id: string } | null = null) => ({
    users: { has: (id: string) => ids.includes(id), keys: () => ids },
    repliedUser,
  });

  it('answers a reply to the bot without a mention', () => {
    const turn = toTurn(message({ guildId: GUILD }), { ...context, repliesToBot: true });
    expect(turn).toMatchObject({ kind: 'message', messageRef: '600000000000000001', text: 'hello' });
  });

  it('answers every message in a followed thread, and listens to those addressed to someone else', () => {
    const followed = { ...context, inFollowedThread: true };
    expect(toTurn(message(inThread), followed)?.kind).toBe('message');
    expect(toTurn(message({ ...inThread, mentions: mentioning(['42']) }), followed)?.kind).toBe('listen');
    const toOther = message({ ...inThread, mentions: mentioning([], { id: '42' }) });
    expect(toTurn(toOther, followed)?.kind).toBe('listen');
    expect(toTurn(message({ ...inThread, mentions: mentioning(['42', BOT]) }), followed)?.kind).toBe(
      'message',
    );
    // A follow-up is only a follow-up in a thread, and only in a followed one.
    expect(toTurn(message({ guildId: GUILD }), followed)).toBeNull();
    expect(toTurn(message(inThread), context)).toBeNull();
    expect(toTurn(message({ ...inThread, content: '' }), followed)).toBeNull();
  });
});

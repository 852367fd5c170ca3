import { describe, expect, it } from 'vitest';
import { isInExistingThread, type ToTurnOptions, toTurn } from '../../../../adapters/slack/to-turn.ts';
import {
  appMention,
  botMessage,
  channelMessageCopy,
  directMessage,
  FIXTURE,
  fixtureToTurnOptions,
  messageChanged,
} from '../../../fixtures/slack/events.ts';

const options: ToTurnOptions = fixtureToTurnOptions();

describe('toTurn', () => {
  it('turns a channel mention into a turn answered in a new thread', () => {
    const { event } = appMention({
      text: `<@${FIXTURE.botUserId}> My name is Alice`,
      ts: '1700000001.000100',
    });
    expect(toTurn(event, options)).toEqual({
      id: `${FIXTURE.channel}:1700000001.000100`,
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}:1700000001.000100`,
      kind: 'message',
      messageRef: '1700000001.000100',
      scopeId: `slack:${FIXTURE.team}:${FIXTURE.channel}`,
      author: { id: FIXTURE.user, name: 'Alice', isPlatformAdmin: false },
      text: 'My name is Alice',
      target: {
        platform: 'slack',
        channelId: FIXTURE.channel,
        threadId: '1700000001.000100',
        workspaceId: FIXTURE.team,
        replyToMessageId: '1700000001.000100',
        recipient: { userId: FIXTURE.user, teamId: FIXTURE.team },
      },
      receivedAt: 1_700_000_001_000,
    });
  });

  it('keeps a mention inside a thread in that thread', () => {
    const { event } = appMention({ ts: '1700000002.000200', thread_ts: '1700000001.000100' });
    const turn = toTurn(event, options)!;
    expect(turn.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}:1700000001.000100`);
    expect(turn.target.threadId).toBe('1700000001.000100');
    expect(turn.scopeId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}`);
    expect(isInExistingThread(event)).toBe(true);
  });

  it('gives the app_mention and the message.channels copy of one message the same turn', () => {
    const mention = appMention();
    const a = toTurn(mention.event, options)!;
    const b = toTurn(channelMessageCopy(mention).event, options)!;
    expect(b).toEqual(a);
  });

  it('answers DMs without a mention: top level shares the DM session, a DM thread is its own', () => {
    const top = toTurn(directMessage({ text: 'hi' }).event, options)!;
    expect(top.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}`);
    expect(top.target.threadId).toBeUndefined();
    const thread = toTurn(
      directMessage({ text: 'in thread', thread_ts: '1700000000.000001' }).event,
      options,
    )!;
    expect(thread.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}:1700000000.000001`);
    expect(thread.target.threadId).toBe('1700000000.000001');
    // A DM is its own scope; a DM thread belongs to the DM.
    expect(top.scopeId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}`);
    expect(thread.scopeId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}`);
  });

  it('falls back to the user id when no name is known', () => {
    const turn = toTurn(appMention().event, { ...options, names: undefined })!;
    expect(turn.author).toEqual({ id: FIXTURE.user, name: FIXTURE.user, isPlatformAdmin: false });
  });

  it.each([
    ['an edit', messageChanged().event],
    ['another bot (ignoreBots)', botMessage().event],
    ['its own message', appMention({ user: FIXTURE.botUserId }).event],
    ['its own bot post', { ...directMessage().event, bot_id: FIXTURE.botId }],
    ['a join', { ...directMessage().event, subtype: 'channel_join' }],
    ['a deletion', { ...directMessage().event, subtype: 'message_deleted' }],
    [
      'a channel message without mention',
      { ...channelMessageCopy(appMention()).event, text: 'just chatting' },
    ],
    ['a bare mention', appMention({ text: `<@${FIXTURE.botUserId}>` }).event],
    ['an unknown event type', { type: 'reaction_added', user: FIXTURE.user }],
    ['an event without channel', { ...appMention().event, channel: undefined }],
    ['an event with unsafe ids', { ...appMention().event, channel: 'C{1}' }],
    ['garbage', { type: 'message', text: 42 }],
  ])('ignores %s', (_name, event) => {
    const reasons: string[] = [];
    expect(
      toTurn(event as Record<string, unknown>, { ...options, onIgnore: (reason) => reasons.push(reason) }),
    ).toBeNull();
    expect(reasons).toHaveLength(1);
  });

  it('answers other bots when ignoreBots is off, naming them by their profile', () => {
    const turn = toTurn(botMessage().event, { ...options, ignoreBots: false })!;
    expect(turn.author).toEqual({ id: 'B0OTHER', name: 'Other Bot', isPlatformAdmin: false });
    expect(turn.text).toBe('beep boop');
  });

  it('marks the author a platform admin when the lookup says so, but never another bot', () => {
    const { event } = appMention({ text: `<@${FIXTURE.botUserId}> persona Be brief.` });
    expect(toTurn(event, { ...options, authorIsAdmin: true })?.author).toEqual({
      id: FIXTURE.user,
      name: 'Alice',
      isPlatformAdmin: true,
    });
    expect(toTurn(event, options)?.author.isPlatformAdmin).toBe(false);
    const bot = toTurn(botMessage().event, { ...options, ignoreBots: false, authorIsAdmin: true });
    expect(bot?.author.isPlatformAdmin).toBe(false);
  });

  it('treats file shares with text as text', () => {
    const turn = toTurn({ ...directMessage({ text: 'see attached' }).event, subtype: 'file_share' }, options);
    expect(turn?.text).toBe('see attached');
  });

  it('makes "@bot reset" in a thread a reset of that thread', () => {
    const { event } = appMention({ text: `<@${FIXTURE.botUserId}> reset`, thread_ts: '1700000000.000009' });
    const turn = toTurn(event, options)!;
    expect(turn.kind).toBe('reset');
    expect(turn.text).toBe('');
    expect(turn.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}:1700000000.000009`);
  });

  it('makes a top-level "@bot reset" in a channel a reset of the channel session, and "reset" in a DM of the DM', () => {
    expect(toTurn(appMention({ text: `<@${FIXTURE.botUserId}> Reset ` }).event, options)?.sessionId).toBe(
      `slack:${FIXTURE.team}:${FIXTURE.channel}`,
    );
    const dm = toTurn(directMessage({ text: 'reset' }).event, options)!;
    expect(dm.kind).toBe('reset');
    expect(dm.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}`);
  });

  it('does not treat a sentence containing reset as a reset', () => {
    expect(
      toTurn(appMention({ text: `<@${FIXTURE.botUserId}> how do I reset my password?` }).event, options)
        ?.kind,
    ).toBe('message');
  });

  const mention = (text: string, event: Record<string, unknown> = {}) =>
    appMention({ text: `<@${FIXTURE.botUserId}> ${text}`, ...event }).event;
  const channelSession = `slack:${FIXTURE.team}:${FIXTURE.channel}`;

  it.each([
    ['memory', 'memory', ''],
    ['memory clear', 'memory', 'clear'],
    ['persona You are a pirate.', 'persona', 'You are a pirate.'],
    ['Persona   two\nlines', 'persona', 'two\nlines'],
    ['usage', 'usage', ''],
    ['export', 'export', ''],
    ['forget confirm', 'forget', 'confirm'],
    ['help', 'help', ''],
    ['/usage', 'usage', ''],
    ['usage: now', 'usage', 'now'],
  ])('makes "@bot %s" in a thread a command of that thread, answered privately', (text, name, args) => {
    const threadTs = '1700000000.000010';
    const turn = toTurn(mention(text, { thread_ts: threadTs, ts: '1700000000.000011' }), options)!;
    expect(turn).toMatchObject({
      id: `${FIXTURE.channel}:1700000000.000011`,
      kind: 'command',
      command: { name, args },
      sessionId: `${channelSession}:${threadTs}`,
      scopeId: channelSession,
      author: { id: FIXTURE.user, name: 'Alice' },
      target: {
        platform: 'slack',
        channelId: FIXTURE.channel,
        threadId: threadTs,
        workspaceId: FIXTURE.team,
        invoker: { userId: FIXTURE.user },
      },
    });
    expect(turn.target.invoker?.responseUrl).toBeUndefined();
  });

  it('runs a top-level "@bot <command>" on the channel-level session, answered at the top level', () => {
    const turn = toTurn(mention('persona You are a pirate.'), options)!;
    expect(turn).toMatchObject({
      kind: 'command',
      command: { name: 'persona', args: 'You are a pirate.' },
      sessionId: channelSession,
      scopeId: channelSession,
    });
    expect(turn.target.threadId).toBeUndefined();
  });

  it('keeps mentions whose first word is not a command, and "reset" with more words, as messages', () => {
    for (const text of [
      'what is my usage?',
      'usage? how much',
      'exported data please',
      'reset my password',
    ]) {
      const turn = toTurn(mention(text, { thread_ts: '1700000000.000012' }), options)!;
      expect(turn.kind).toBe('message');
      expect(turn.command).toBeUndefined();
      expect(turn.target.invoker).toBeUndefined();
    }
  });

  it('runs commands only for people who mention the bot', () => {
    // A DM without a mention is a message, even when its first word is a command.
    expect(toTurn(directMessage({ text: 'usage please' }).event, options)?.kind).toBe('message');
    // With a mention, a DM thread's command acts on that thread, scoped to the DM.
    const dmThread = toTurn(
      directMessage({ text: `<@${FIXTURE.botUserId}> export`, thread_ts: '1700000000.000013' }).event,
      options,
    )!;
    expect(dmThread).toMatchObject({
      kind: 'command',
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.dm}:1700000000.000013`,
      scopeId: `slack:${FIXTURE.team}:${FIXTURE.dm}`,
    });
    // Another bot (answered when ignoreBots is off) never runs a command.
    const fromBot = toTurn(
      { ...botMessage().event, text: `<@${FIXTURE.botUserId}> forget confirm` },
      { ...options, ignoreBots: false },
    )!;
    expect(fromBot.kind).toBe('message');
  });

  it('with the channel session scope, maps every mention in a channel to the channel session, answering in its thread', () => {
    const channelScope: ToTurnOptions = { ...options, sessionScope: 'channel' };
    const top = toTurn(mention('hello', { ts: '1700000000.000020' }), channelScope)!;
    expect(top).toMatchObject({
      kind: 'message',
      sessionId: channelSession,
      scopeId: channelSession,
      target: { threadId: '1700000000.000020' },
    });
    const inThread = toTurn(
      mention('again', { ts: '1700000000.000022', thread_ts: '1700000000.000021' }),
      channelScope,
    )!;
    expect(inThread.sessionId).toBe(channelSession);
    expect(inThread.target.threadId).toBe('1700000000.000021');
    const command = toTurn(mention('usage', { thread_ts: '1700000000.000021' }), channelScope)!;
    expect(command).toMatchObject({
      kind: 'command',
      sessionId: channelSession,
      target: { threadId: '1700000000.000021' },
    });
    const reset = toTurn(mention('reset', { thread_ts: '1700000000.000021' }), channelScope)!;
    expect(reset).toMatchObject({ kind: 'reset', sessionId: channelSession });
    // DMs are unchanged.
    const dmThread = toTurn(
      directMessage({ text: 'hi', thread_ts: '1700000000.000023' }).event,
      channelScope,
    )!;
    expect(dmThread.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}:1700000000.000023`);
  });
});

import { describe, expect, it } from 'vitest';
import { isInExistingThread, type ToTurnOptions, toTurn } from '../../../adapters/slack/to-turn.ts';
import {
  appMention,
  botMessage,
  channelMessageCopy,
  directMessage,
  FIXTURE,
  messageChanged,
} from '../../fixtures/slack/events.ts';

const options: ToTurnOptions = {
  team: FIXTURE.team,
  botUserId: FIXTURE.botUserId,
  botId: FIXTURE.botId,
  ignoreBots: true,
  names: new Map([[FIXTURE.user, 'Alice']]),
};

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
      author: { id: FIXTURE.user, name: 'Alice' },
      text: 'My name is Alice',
      target: {
        platform: 'slack',
        channelId: FIXTURE.channel,
        threadId: '1700000001.000100',
        workspaceId: FIXTURE.team,
        replyToMessageId: '1700000001.000100',
      },
      receivedAt: 1_700_000_001_000,
    });
  });

  it('keeps a mention inside a thread in that thread', () => {
    const { event } = appMention({ ts: '1700000002.000200', thread_ts: '1700000001.000100' });
    const turn = toTurn(event, options)!;
    expect(turn.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}:1700000001.000100`);
    expect(turn.target.threadId).toBe('1700000001.000100');
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
  });

  it('falls back to the user id when no name is known', () => {
    const turn = toTurn(appMention().event, { ...options, names: undefined })!;
    expect(turn.author).toEqual({ id: FIXTURE.user, name: FIXTURE.user });
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
    expect(turn.author).toEqual({ id: 'B0OTHER', name: 'Other Bot' });
    expect(turn.text).toBe('beep boop');
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
});

import { describe, expect, it } from 'vitest';
import { nonEmptyString, readMessageEvent } from '../../../../adapters/slack/read-message-event.ts';
import type { SlackMessageEvent } from '../../../../adapters/slack/to-turn.ts';

const options = { team: 'T1', botUserId: 'UBOT', botId: 'BBOT', ignoreBots: true };
const mention: SlackMessageEvent = {
  type: 'app_mention',
  user: 'U1',
  text: '<@UBOT> hi',
  ts: '1700000000.000100',
  channel: 'C1',
};

describe('readMessageEvent', () => {
  it('returns the checked fields of a person’s mention', () => {
    expect(readMessageEvent(mention, options)).toEqual({
      type: 'app_mention',
      user: 'U1',
      authorId: 'U1',
      fromBot: false,
      channel: 'C1',
      ts: '1700000000.000100',
      threadTs: undefined,
      team: 'T1',
      rawText: '<@UBOT> hi',
    });
  });

  it('takes the team from the event when the envelope has none, and the bot id as author of a bot post', () => {
    const event = { ...mention, user: undefined, bot_id: 'B2', team: 'T9' };
    const fields = readMessageEvent(event, { ...options, team: undefined, ignoreBots: false });
    expect(fields).toMatchObject({ team: 'T9', authorId: 'B2', user: undefined, fromBot: true });
  });

  it.each([
    ['event type reaction_added', { type: 'reaction_added' }],
    ['hidden', { hidden: true }],
    ['subtype message_changed', { subtype: 'message_changed' }],
    ['own message', { user: 'UBOT' }],
    ['own bot message', { user: undefined, bot_id: 'BBOT' }],
    ['bot message', { subtype: 'bot_message', user: undefined, bot_id: 'B2' }],
    ['slackbot message', { user: 'USLACKBOT' }],
    ['missing fields', { channel: '' }],
    ['missing fields', { text: 42 }],
    ['malformed ids', { channel: 'C1/../x' }],
    ['malformed ids', { thread_ts: '1.2 3' }],
    ['malformed ts', { ts: 'abc' }],
    ['malformed ts', { thread_ts: '1700000000.0001000000' }],
  ])('ignores with the reason %s', (reason, change) => {
    expect(readMessageEvent({ ...mention, ...change }, options)).toEqual({ ignored: reason });
  });

  it('ignores Slackbot even when other bots are answered (it has no bot_id to tell it by)', () => {
    const reminder = {
      ...mention,
      type: 'message',
      channel: 'D1',
      user: 'USLACKBOT',
      text: 'Reminder: ship',
    };
    expect(readMessageEvent(reminder, { ...options, ignoreBots: false })).toEqual({
      ignored: 'slackbot message',
    });
  });

  it('reports the first check that fails (own message before missing fields)', () => {
    expect(readMessageEvent({ ...mention, user: 'UBOT', channel: undefined }, options)).toEqual({
      ignored: 'own message',
    });
  });

  it('accepts the text-carrying subtypes', () => {
    for (const subtype of ['file_share', 'thread_broadcast']) {
      expect(readMessageEvent({ ...mention, subtype }, options)).not.toHaveProperty('ignored');
    }
  });
});

describe('nonEmptyString', () => {
  it('keeps non-empty strings only', () => {
    expect(nonEmptyString('x')).toBe('x');
    expect(nonEmptyString('')).toBeUndefined();
    expect(nonEmptyString(1)).toBeUndefined();
  });
});

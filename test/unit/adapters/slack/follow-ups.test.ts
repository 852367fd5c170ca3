import { describe, expect, it } from 'vitest';
import { eventToTurn, followRoleOf } from '../../../../adapters/slack/event-to-turn.ts';
import type { ToTurnOptions } from '../../../../adapters/slack/to-turn.ts';
import type { Turn } from '../../../../src/turn/turn.ts';
import { appMention, channelMessage, directMessage, FIXTURE } from '../../../fixtures/slack/events.ts';

const options: ToTurnOptions & { eventId: string | undefined } = {
  team: FIXTURE.team,
  botUserId: FIXTURE.botUserId,
  botId: FIXTURE.botId,
  ignoreBots: true,
  followUps: true,
  eventId: 'Ev1',
};
const ROOT = '1700000100.000100';
const REPLY = '1700000101.000200';
const thread = (channel: string = FIXTURE.channel, ts = ROOT) => `slack:${FIXTURE.team}:${channel}:${ts}`;

function turnOf(event: Record<string, unknown>, extra: Partial<ToTurnOptions> = {}): Turn {
  const turn = eventToTurn(event, { ...options, ...extra });
  if (!turn) throw new Error('expected a turn');
  return turn;
}

describe('follow-ups (FOLLOW_UPS=thread)', () => {
  it('makes a thread reply without a mention a follow-up that needs the thread followed', () => {
    const { event } = channelMessage({ ts: REPLY, thread_ts: ROOT, text: 'and what about tomorrow?' });
    const turn = turnOf(event);
    expect(turn).toMatchObject({
      id: `${FIXTURE.channel}:${REPLY}`,
      kind: 'message',
      sessionId: thread(),
      messageRef: REPLY,
      text: 'and what about tomorrow?',
      target: { channelId: FIXTURE.channel, threadId: ROOT },
    });
    expect(followRoleOf(event, turn, FIXTURE.botUserId)).toEqual({ requireFollowed: thread() });
  });

  it('only listens to a follow-up that mentions other people and not the bot', () => {
    const { event } = channelMessage({ ts: REPLY, thread_ts: ROOT, text: '<@U0BOB> can you check?' });
    const turn = turnOf(event, { names: new Map([['U0BOB', 'Bob']]) });
    expect(turn).toMatchObject({ kind: 'listen', text: '@Bob can you check?', sessionId: thread() });
    expect(followRoleOf(event, turn, FIXTURE.botUserId)).toEqual({ requireFollowed: thread() });
  });

  it('answers a thread message that mentions the bot and others, and follows the thread', () => {
    const { event } = channelMessage({
      ts: REPLY,
      thread_ts: ROOT,
      text: `<@U0BOB> <@${FIXTURE.botUserId}> what do you both think?`,
    });
    const turn = turnOf(event);
    expect(turn.kind).toBe('message');
    expect(followRoleOf(event, turn, FIXTURE.botUserId)).toEqual({ follow: thread() });
  });

  it('ignores channel messages outside threads, and thread messages with follow-ups off', () => {
    const reasons: string[] = [];
    const onIgnore = (reason: string) => reasons.push(reason);
    expect(eventToTurn(channelMessage({ text: 'hello all' }).event, { ...options, onIgnore })).toBeNull();
    const reply = channelMessage({ ts: REPLY, thread_ts: ROOT }).event;
    expect(eventToTurn(reply, { ...options, followUps: false, onIgnore })).toBeNull();
    expect(reasons).toEqual(['channel message without mention', 'channel message without mention']);
  });

  it("never answers another bot's thread message without a mention (two bots would talk for ever)", () => {
    const reasons: string[] = [];
    const event = channelMessage({ ts: REPLY, thread_ts: ROOT, bot_id: 'B0OTHER', user: undefined }).event;
    const turn = eventToTurn(event, { ...options, ignoreBots: false, onIgnore: (r) => reasons.push(r) });
    expect(turn).toBeNull();
    expect(reasons).toEqual(['bot message without mention']);
  });

  it('follows the thread a top-level mention starts, and the thread a mention joins', () => {
    const top = appMention({ ts: ROOT }).event;
    expect(followRoleOf(top, turnOf(top), FIXTURE.botUserId)).toEqual({ follow: thread() });
    const inThread = appMention({ ts: REPLY, thread_ts: ROOT }).event;
    expect(followRoleOf(inThread, turnOf(inThread), FIXTURE.botUserId)).toEqual({ follow: thread() });
  });

  it('does not follow anything for a top-level "@bot reset", which acts on the channel', () => {
    const event = appMention({ ts: ROOT, text: `<@${FIXTURE.botUserId}> reset` }).event;
    const turn = turnOf(event);
    expect(turn.kind).toBe('reset');
    expect(followRoleOf(event, turn, FIXTURE.botUserId)).toEqual({});
  });

  it("follows a DM's threads but not its top level, which is always answered", () => {
    const top = directMessage({ ts: ROOT }).event;
    expect(followRoleOf(top, turnOf(top), FIXTURE.botUserId)).toEqual({});
    const inThread = directMessage({ ts: REPLY, thread_ts: ROOT }).event;
    const turn = turnOf(inThread);
    expect(turn.sessionId).toBe(thread(FIXTURE.dm));
    expect(followRoleOf(inThread, turn, FIXTURE.botUserId)).toEqual({ follow: thread(FIXTURE.dm) });
  });

  it('starts a conversation in a group DM (mpim) on a mention, as in a channel', () => {
    const event = channelMessage({
      ts: ROOT,
      channel: 'G0GROUPDM',
      channel_type: 'mpim',
      text: `<@${FIXTURE.botUserId}> hi all`,
    }).event;
    const turn = turnOf(event);
    expect(turn).toMatchObject({ kind: 'message', sessionId: thread('G0GROUPDM'), text: 'hi all' });
    expect(turn.target.threadId).toBe(ROOT);
    expect(followRoleOf(event, turn, FIXTURE.botUserId)).toEqual({ follow: thread('G0GROUPDM') });
  });

  it('with SLACK_SESSION_SCOPE=channel, queues in the channel but follows only the thread', () => {
    const scoped = { sessionScope: 'channel' as const };
    const mention = appMention({ ts: ROOT }).event;
    const turn = turnOf(mention, scoped);
    expect(turn.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}`);
    expect(followRoleOf(mention, turn, FIXTURE.botUserId)).toEqual({ follow: thread() });
    const reply = channelMessage({ ts: REPLY, thread_ts: ROOT }).event;
    const followUp = turnOf(reply, scoped);
    expect(followUp.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}`);
    expect(followRoleOf(reply, followUp, FIXTURE.botUserId)).toEqual({ requireFollowed: thread() });
  });
});

import { describe, expect, it } from 'vitest';
import { eventToTurn, followRoleOf } from '../../../../adapters/slack/event-to-turn.ts';
import type { ToTurnOptions } from '../../../../adapters/slack/to-turn.ts';
import {
  FIXTURE,
  fixtureToTurnOptions,
  messageChanged,
  messageDelete,
  messageEdit,
} from '../../../fixtures/slack/events.ts';

const options: ToTurnOptions = fixtureToTurnOptions();
const ROOT = '1700000200.000100';
const REPLY = '1700000201.000200';
const session = (channel: string, threadTs?: string) =>
  threadTs === undefined
    ? `slack:${FIXTURE.team}:${channel}`
    : `slack:${FIXTURE.team}:${channel}:${threadTs}`;

/** The turn of an envelope, as the handler converts it (event id from the envelope). */
function convert(
  envelope: { event: Record<string, unknown>; event_id: string },
  extra: Partial<ToTurnOptions> = {},
) {
  const reasons: string[] = [];
  const turn = eventToTurn(envelope.event, {
    ...options,
    ...extra,
    eventId: envelope.event_id,
    onIgnore: (reason) => reasons.push(reason),
  });
  return { turn, reasons };
}

describe('edits and deletes', () => {
  it("makes an edit at a DM's top level an edit turn of the DM, its id from the event id", () => {
    const envelope = messageEdit({
      channel: FIXTURE.dm,
      ts: ROOT,
      text: 'What is <#C0GENERAL|general> for?',
    });
    const { turn } = convert(envelope);
    expect(turn).toMatchObject({
      id: `${FIXTURE.dm}:${ROOT}:edit:${envelope.event_id}`,
      kind: 'edit',
      sessionId: session(FIXTURE.dm),
      scopeId: session(FIXTURE.dm),
      targetRef: ROOT,
      messageRef: ROOT,
      text: 'What is #general for?',
      author: { id: FIXTURE.user, name: 'Alice', isPlatformAdmin: false },
      target: { platform: 'slack', channelId: FIXTURE.dm, workspaceId: FIXTURE.team, replyToMessageId: ROOT },
    });
    expect(turn?.target.threadId).toBeUndefined();
    expect(followRoleOf(envelope.event, turn!, FIXTURE.botUserId)).toEqual({});
    // Slack's retry carries the same event id: the same turn id, which the queue keeps once.
    expect(convert(envelope).turn?.id).toBe(turn?.id);
  });

  it("puts an edit in a DM thread in that thread's session", () => {
    const { turn } = convert(messageEdit({ channel: FIXTURE.dm, ts: REPLY, threadTs: ROOT, text: 'new' }));
    expect(turn).toMatchObject({
      kind: 'edit',
      sessionId: session(FIXTURE.dm, ROOT),
      target: { threadId: ROOT },
    });
  });

  it("keeps a DM thread's root edit at the DM's top level, where it was sent", () => {
    const { turn } = convert(messageEdit({ channel: FIXTURE.dm, ts: ROOT, threadTs: ROOT, text: 'new' }));
    expect(turn?.sessionId).toBe(session(FIXTURE.dm));
  });

  it('puts a channel edit in its thread, the root in the thread it started, and needs that thread followed', () => {
    const reply = messageEdit({ ts: REPLY, threadTs: ROOT, text: `<@${FIXTURE.botUserId}> new question` });
    const { turn } = convert(reply);
    expect(turn).toMatchObject({
      kind: 'edit',
      sessionId: session(FIXTURE.channel, ROOT),
      text: 'new question',
    });
    expect(followRoleOf(reply.event, turn!, FIXTURE.botUserId)).toEqual({
      requireFollowed: session(FIXTURE.channel, ROOT),
    });
    const root = convert(messageEdit({ ts: ROOT, text: 'new' })).turn;
    expect(root).toMatchObject({ sessionId: session(FIXTURE.channel, ROOT), target: { threadId: ROOT } });
  });

  it('with SLACK_SESSION_SCOPE=channel, edits the channel session but checks the thread', () => {
    const envelope = messageEdit({ ts: REPLY, threadTs: ROOT, text: 'new' });
    const { turn } = convert(envelope, { sessionScope: 'channel' });
    expect(turn?.sessionId).toBe(session(FIXTURE.channel));
    expect(followRoleOf(envelope.event, turn!, FIXTURE.botUserId)).toEqual({
      requireFollowed: session(FIXTURE.channel, ROOT),
    });
  });

  it('makes a delete a delete turn of the removed message', () => {
    const envelope = messageDelete({ channel: FIXTURE.dm, ts: REPLY, threadTs: ROOT });
    expect(convert(envelope).turn).toMatchObject({
      id: `${FIXTURE.dm}:${REPLY}:delete:${envelope.event_id}`,
      kind: 'delete',
      sessionId: session(FIXTURE.dm, ROOT),
      targetRef: REPLY,
      messageRef: REPLY,
      text: '',
    });
  });

  it("ignores changes of the bot's own messages (its streaming edits, its deleted replies) and other bots'", () => {
    const own = convert(
      messageEdit({ ts: REPLY, threadTs: ROOT, text: 'streamed', user: FIXTURE.botUserId }),
    );
    const ownBot = convert(messageDelete({ ts: REPLY, threadTs: ROOT, botId: FIXTURE.botId, user: 'U0X' }));
    const other = convert(messageEdit({ ts: REPLY, text: 'x', botId: 'B0OTHER', user: 'U0OTHERBOT' }));
    expect([own, ownBot, other].map((result) => [result.turn, result.reasons])).toEqual([
      [null, ['own message changed']],
      [null, ['own message changed']],
      [null, ['bot message changed']],
    ]);
  });

  it('ignores a change that leaves the text as it was (an unfurl, a new thread reply)', () => {
    const same = messageEdit({ channel: FIXTURE.dm, ts: ROOT, text: 'same', previousText: 'same' });
    expect(convert(same)).toEqual({ turn: null, reasons: ['text unchanged'] });
  });

  it('turns the fixture edit of a channel mention into an edit of its thread', () => {
    const envelope = messageChanged();
    const { turn } = convert(envelope);
    expect(turn).toMatchObject({ kind: 'edit', text: 'edited question', targetRef: '1515449522.000016' });
    expect(turn?.sessionId).toBe(session(FIXTURE.channel, '1515449522.000016'));
  });

  it('ignores malformed amend events', () => {
    const envelope = messageDelete({ channel: FIXTURE.dm, ts: REPLY });
    envelope.event.deleted_ts = 'not a ts';
    expect(convert(envelope)).toEqual({ turn: null, reasons: ['malformed amend event'] });
  });
});

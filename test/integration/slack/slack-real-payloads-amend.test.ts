import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Envelope,
  laterCopy,
  loadPayload,
  type RealPayloadHarness,
  startRealPayloadHarness,
} from './real-payload-harness.ts';

// Cases S11, S12, S17 and S18 of ../shared/fixtures/real-payloads/SOURCES.md (the rest: slack-real-payloads.test.ts).

let harness: RealPayloadHarness;

beforeAll(async () => {
  harness = await startRealPayloadHarness();
});

afterAll(() => harness?.close());

const DM = 'D0442US94JD';

/** S11/S12's DM variant (SOURCES.md): channel → the DM of S06, `channel_type: im`, event id + `DM`. */
function inTheDm(envelope: Envelope): Envelope {
  const moved = structuredClone(envelope);
  moved.event.channel = DM;
  moved.event.channel_type = 'im';
  moved.event_id = `${envelope.event_id}DM`;
  return moved;
}

describe('real Slack edits, deletes and slash commands through the Bolt app', () => {
  it('S11 ignores the recorded message_changed: Slack unfurled a link, the text is as it was', async () => {
    const recorded = loadPayload<Envelope>('sw-message-changed.json');
    expect(await harness.expectIgnored(recorded)).toBe('text unchanged');
    expect(await harness.expectIgnored(inTheDm(recorded))).toBe('text unchanged');
  });

  it('S11 makes message_changed with new text an edit of the DM message (content adapted: the old text)', async () => {
    const edited = inTheDm(loadPayload<Envelope>('sw-message-changed.json'));
    (edited.event.previous_message as { text: string }).text = 'an earlier wording';
    // Another edit than the recorded one, so another event id.
    edited.event_id = 'Ev043QRVT9FDEDIT';
    const turn = await harness.expectTurn(edited, `${DM}:1663969333.524439:edit:Ev043QRVT9FDEDIT`);
    expect(turn).toMatchObject({
      kind: 'edit',
      sessionId: `slack:T043DB835ML:${DM}`,
      targetRef: '1663969333.524439',
      text: 'https://jadeapptesting.slack.com/archives/C043YJGBY49/p1663966292304369',
      author: { id: 'U043H11ES4V' },
    });
    // Slack's retry of the same event is dropped.
    expect((await harness.send(edited, 1)).status).toBe(200);
    expect(harness.sink.turns.filter((queued) => queued.id === turn.id)).toHaveLength(1);
  });

  it('S11 counts an edit in a channel thread only once the bot follows that thread', async () => {
    const edited = loadPayload<Envelope>('sw-message-changed.json');
    (edited.event.previous_message as { text: string }).text = 'an earlier wording';
    edited.event_id = 'Ev043QRVT9FDCHANNEL';
    expect(await harness.expectIgnored(edited)).toBe('thread not followed');
    harness.followedThreads.add('slack:T043DB835ML:C043YJGBY49:1663969333.524439');
    const again = { ...edited, event_id: 'Ev043QRVT9FDAGAIN' };
    const turn = await harness.expectTurn(again, 'C043YJGBY49:1663969333.524439:edit:Ev043QRVT9FDAGAIN');
    expect(turn).toMatchObject({
      kind: 'edit',
      sessionId: 'slack:T043DB835ML:C043YJGBY49:1663969333.524439',
    });
  });

  it('S12 ignores message_deleted in a channel the bot does not follow, and makes it a delete in the DM', async () => {
    const recorded = loadPayload<Envelope>('sw-message-deleted.json');
    expect(await harness.expectIgnored(recorded)).toBe('thread not followed');
    const turn = await harness.expectTurn(inTheDm(recorded), `${DM}:1663966382.046509:delete:Ev043QRVT9FEDM`);
    expect(turn).toMatchObject({
      kind: 'delete',
      sessionId: `slack:T043DB835ML:${DM}`,
      targetRef: '1663966382.046509',
      text: '',
    });
  });

  it('S17 runs /reset in a channel, then answers a mention in the thread of S03 after it', async () => {
    const form = new URLSearchParams(loadPayload<string>('docs-slash-command.json'));
    form.set('command', '/reset');
    form.set('text', '');
    form.set('channel_id', 'C00FAKECHAN1');
    form.set('team_id', 'T00FAKE00AA');
    const before = harness.sink.turns.length;
    const response = await harness.sendForm(form.toString());
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    expect(harness.sink.turns.slice(before)).toMatchObject([
      { kind: 'reset', sessionId: 'slack:T00FAKE00AA:C00FAKECHAN1', author: { id: 'U2147483697' } },
    ]);
    const mention = loadPayload<Envelope>('vercel-channel-mention.json');
    mention.event_id = 'Ev0S17';
    const followUp = laterCopy(mention, 30, {
      thread_ts: '1773327463.619929',
      parent_user_id: 'U00FAKEUSER1',
    });
    const turn = await harness.expectTurn(followUp, 'C00FAKECHAN1:1773327493.619929');
    expect(turn.sessionId).toBe('slack:T00FAKE00AA:C00FAKECHAN1:1773327463.619929');
  });

  it('S18 runs /reset in the DM, then answers the next DM there', async () => {
    const fields = loadPayload<Record<string, string>>('vercel-slash-command.json');
    const form = new URLSearchParams({
      ...fields,
      command: '/reset',
      team_id: 'T043DB835ML',
      channel_id: DM,
      user_id: 'U043H11ES4V',
      channel_name: 'directmessage',
    });
    const before = harness.sink.turns.length;
    const response = await harness.sendForm(form.toString());
    expect(response.status).toBe(200);
    expect(harness.sink.turns.slice(before)).toMatchObject([
      { kind: 'reset', sessionId: `slack:T043DB835ML:${DM}` },
    ]);
    const next = laterCopy(loadPayload<Envelope>('sw-message-im.json'), 60);
    const turn = await harness.expectTurn(next, `${DM}:1664408709.009629`);
    expect(turn).toMatchObject({ kind: 'message', sessionId: `slack:T043DB835ML:${DM}`, text: 'test' });
  });
});

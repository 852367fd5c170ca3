import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/turn/turn.ts';
import {
  type Envelope,
  laterCopy,
  loadPayload,
  PAYLOAD_FILES,
  type RealPayloadHarness,
  startRealPayloadHarness,
} from './real-payload-harness.ts';

// Every recorded Slack payload of ../shared/fixtures/real-payloads/slack (cases S01–S21 of its SOURCES.md) through
// the real Bolt app: what each one becomes. Commands, edits and deletes: slack-real-payloads-amend.test.ts.

/** The payload files this suite and its sibling send; together they must be every file in the folder. */
const USED_HERE = [
  'docs-url-verification.json',
  'docs-ssl-check.json',
  'vercel-channel-mention.json',
  'index-thread-app-mention.json',
  'sw-message-im.json',
  'sw-message-rich-text.json',
  'vercel-dm-direct.json',
  'vercel-dm-followup.json',
  'sw-file-share-im.json',
  'vercel-mention-with-file.json',
  'sw-bot-message.json',
  'sw-own-bot-message.json',
  'sw-slackbot-im.json',
  'docs-thread-broadcast.json',
  'vercel-grid-team1.json',
  'docs-org-wide-envelope.json',
  'vercel-grid-team2.json',
  'docs-assistant-thread-started.json',
];
const USED_BY_AMEND_SUITE = [
  'sw-message-changed.json',
  'sw-message-deleted.json',
  'docs-slash-command.json',
  'vercel-slash-command.json',
];

let harness: RealPayloadHarness;

beforeAll(async () => {
  harness = await startRealPayloadHarness();
  harness.api.users.set('U043H11ES4V', {
    id: 'U043H11ES4V',
    name: 'jadel',
    profile: { display_name: 'jadel' },
  });
  harness.api.channels.set('C00FAKECHAN2', { id: 'C00FAKECHAN2', name: 'design-reviews' });
});

afterAll(() => harness?.close());

/** A turn is queued in Redis as JSON: no token, no header may be in it. */
function expectNoCredentials(turn: Turn): void {
  const json = JSON.stringify(turn);
  expect(json).not.toMatch(/xox[a-z]-|authorization|bearer/i);
  expect(json).not.toContain('headers');
}

/** S04 with the author's placeholder words replaced by ids from its own `event_context` (SOURCES.md). */
const threadMention = () =>
  loadPayload<Envelope>('index-thread-app-mention.json', {
    '"team_id"': '"T044E46HKJ6"',
    '"team":"team"': '"team":"T044E46HKJ6"',
    '"channel":"channel"': '"channel":"C05URD5PT43"',
    '"user":"user"': '"user":"U0THREADASK"',
    '"parent_user_id":"parent_user_id"': '"parent_user_id":"U0THREADROOT"',
    '"user_id":"user_id"': '"user_id":"UBOT"',
    '"enterprise_id":"enterprise_id"': '"enterprise_id":"E0THREAD"',
    '"api_app_id":"api_app_id"': '"api_app_id":"A05SC845KRN"',
  });

describe('real Slack payloads through the Bolt app', () => {
  it('sends every payload file of the shared folder (this suite and the amend suite)', () => {
    expect([...USED_HERE, ...USED_BY_AMEND_SUITE].sort()).toEqual([...PAYLOAD_FILES].sort());
  });

  it('S01 answers url_verification with its challenge', async () => {
    const payload = loadPayload<{ challenge: string }>('docs-url-verification.json');
    const response = await harness.send(payload);
    expect(response.status).toBe(200);
    expect(response.body).toContain(payload.challenge);
  });

  it('S02 answers an unsigned ssl_check with 200', async () => {
    const body = loadPayload<string>('docs-ssl-check.json');
    const response = await fetch(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.status).toBe(200);
  });

  it('S03 makes a channel mention and its app_mention twin one turn, the linked channel named', async () => {
    const copy = loadPayload<Envelope>('vercel-channel-mention.json');
    copy.event_id = 'Ev0S03COPY';
    copy.event_time = 1773327463;
    const twin = structuredClone(copy);
    twin.event_id = 'Ev0S03MENTION';
    twin.event.type = 'app_mention';
    delete twin.event.channel_type;
    const turn = await harness.expectTurn(twin, 'C00FAKECHAN1:1773327463.619929');
    expect(turn).toMatchObject({
      kind: 'message',
      sessionId: 'slack:T00FAKE00AA:C00FAKECHAN1:1773327463.619929',
      messageRef: '1773327463.619929',
      text: 'Can you see the name of this channel: #design-reviews?',
      target: { channelId: 'C00FAKECHAN1', threadId: '1773327463.619929' },
    });
    expect(harness.followedThreads).toContain(turn.sessionId);
    expect(await harness.expectIgnored(copy)).toBeUndefined();
    expect(
      harness.logs.entries().some((e) => e.msg === 'dropping a second delivery of the same message'),
    ).toBe(true);
  });

  it('S04 answers a mention inside a thread in that thread, and follows it', async () => {
    const turn = await harness.expectTurn(threadMention(), 'C05URD5PT43:1698765387.549099');
    expect(turn).toMatchObject({
      kind: 'message',
      sessionId: 'slack:T044E46HKJ6:C05URD5PT43:1698765376.332119',
      text: 'which one is best?',
      author: { id: 'U0THREADASK' },
    });
    expect(harness.followedThreads).toContain(turn.sessionId);
  });

  it('S05 queues a retried event once: retry 1 while the first is in flight, retry 2 after', async () => {
    const later = laterCopy(threadMention(), 10);
    let entered: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    harness.sink.beforeEnqueue = async () => {
      entered();
      await gate;
    };
    const before = harness.sink.turns.length;
    const first = harness.send(later);
    await inFlight;
    const retry1 = harness.send(later, 1);
    release();
    expect([(await first).status, (await retry1).status]).toEqual([200, 200]);
    harness.sink.beforeEnqueue = undefined;
    expect((await harness.send(later, 2)).status).toBe(200);
    const added = harness.sink.turns.slice(before);
    expect(added.map((turn) => turn.id)).toEqual(['C05URD5PT43:1698765397.549099']);
  });

  it('S06 answers a DM at its top level', async () => {
    const turn = await harness.expectTurn(loadPayload('sw-message-im.json'), 'D0442US94JD:1664408649.009629');
    expect(turn).toMatchObject({ kind: 'message', sessionId: 'slack:T043DB835ML:D0442US94JD', text: 'test' });
    expect(turn.target.threadId).toBeUndefined();
  });

  it('S07 reads a DM with a channel link, a mention and a link as plain text', async () => {
    const payload = loadPayload<Envelope>('sw-message-rich-text.json', {
      '"channel":"C045V0VJT16"': '"channel":"D0442US94JD"',
      '"channel_type":"channel"': '"channel_type":"im"',
    });
    const turn = await harness.expectTurn(payload, 'D0442US94JD:1670625739.704049');
    expect(turn).toMatchObject({
      kind: 'message',
      sessionId: 'slack:T043DB835ML:D0442US94JD',
      text: '#general :cat: @jadel https://google.com text text text',
    });
  });

  it('S08 answers two DMs with the full envelope in order, in one session', async () => {
    const first = await harness.expectTurn(
      loadPayload('vercel-dm-direct.json'),
      'D0ACX51K95H:1771442483.260129',
    );
    const second = await harness.expectTurn(
      loadPayload('vercel-dm-followup.json'),
      'D0ACX51K95H:1771442498.377609',
    );
    expect([first.text, second.text]).toEqual(['hello hello', 'cool!!']);
    expect(second.sessionId).toBe(first.sessionId);
    expect(first.sessionId).toBe('slack:T0ADGE2G4EM:D0ACX51K95H');
  });

  it('S09 makes a file_share DM a turn carrying its file: the download URL, no token', async () => {
    const turn = await harness.expectTurn(
      loadPayload('sw-file-share-im.json'),
      'D0442US94JD:1670631527.874149',
    );
    expect(turn).toMatchObject({ kind: 'message', text: 'message message message' });
    expect(turn.attachments).toEqual([
      {
        name: 'namenamename.txt',
        mimeType: 'text/plain',
        sizeBytes: 12,
        source: {
          type: 'url',
          url: 'https://files.slack.com/files-pri/T043DB835ML-F04EEHX1EES/download/namenamename.txt',
        },
        fileId: 'F04EEHX1EES',
        platform: 'slack',
      },
    ]);
    expectNoCredentials(turn);
  });

  it('S10 makes a mention with files a turn carrying them (no files.info: the file is visible)', async () => {
    const turn = await harness.expectTurn(
      loadPayload('vercel-mention-with-file.json'),
      'C00FAKECHAN3:1770241970.822989',
    );
    expect(turn).toMatchObject({
      kind: 'message',
      sessionId: 'slack:T00FAKE00BB:C00FAKECHAN3:1770241970.822989',
      text: "[AI] I don't really understand this explanation.",
    });
    expect(turn.attachments).toEqual([
      {
        name: 'image.png',
        mimeType: 'image/png',
        sizeBytes: 214244,
        source: {
          type: 'url',
          url: 'https://files.slack.com/files-pri/T00FAKE00BB-F0XY789ZKLM/download/image.png',
        },
        fileId: 'F0AD236ATJN',
        platform: 'slack',
      },
    ]);
    expect(harness.api.callsTo('files.info')).toEqual([]);
    expectNoCredentials(turn);
  });

  it('S09b answers a file_share with no text at all (content adapted: text emptied, then left out)', async () => {
    const recorded = loadPayload<Envelope>('sw-file-share-im.json');
    const empty = laterCopy(recorded, 5, { text: '', blocks: [] });
    const turn = await harness.expectTurn(empty, 'D0442US94JD:1670631532.874149');
    expect(turn).toMatchObject({ kind: 'message', text: '' });
    expect(turn.attachments?.map((file) => file.fileId)).toEqual(['F04EEHX1EES']);
    const { text: _text, ...withoutText } = laterCopy(recorded, 6).event;
    const missing = { ...laterCopy(recorded, 6), event: withoutText };
    const second = await harness.expectTurn(missing, 'D0442US94JD:1670631533.874149');
    expect(second.attachments).toHaveLength(1);
  });

  it("S13–S15 ignore another bot's message, the bot's own echo (Bolt's ignoreSelf) and Slackbot", async () => {
    expect(await harness.expectIgnored(loadPayload('sw-bot-message.json'))).toBe('bot message');
    const own = loadPayload<Envelope>('sw-own-bot-message.json', { B0439P161B9: 'BBOT' });
    // Bolt drops the app's own message before any listener runs (its ignoreSelf middleware).
    expect(await harness.expectIgnored(own)).toBeUndefined();
    expect(await harness.expectIgnored(loadPayload('sw-slackbot-im.json'))).toBe('slackbot message');
  });

  it('S16 ignores a thread_broadcast in a thread the bot is not part of, and answers one in a followed thread', async () => {
    const broadcast = loadPayload<Envelope>('docs-thread-broadcast.json');
    expect(await harness.expectIgnored(broadcast)).toBe('thread not followed');
    harness.followedThreads.add('slack:T123ABC456:C123ABC456:1673464730.703009');
    const later = laterCopy(broadcast, 5);
    const turn = await harness.expectTurn(later, 'C123ABC456:1673464750.620769');
    expect(turn).toMatchObject({
      kind: 'message',
      sessionId: 'slack:T123ABC456:C123ABC456:1673464730.703009',
      text: 'broadcasting this reply',
    });
  });

  it('S19 answers an Enterprise Grid mention in its workspace', async () => {
    const turn = await harness.expectTurn(
      loadPayload('vercel-grid-team1.json'),
      'C0A9D9RTBMF:1770676954.663639',
    );
    expect(turn).toMatchObject({
      sessionId: 'slack:T0A8YAUUGMU:C0A9D9RTBMF:1770676954.663639',
      text: 'testing',
    });
  });

  it('S20 answers a mention delivered in an org-wide install envelope', async () => {
    const envelope = loadPayload<Envelope>('docs-org-wide-envelope.json');
    const recorded = loadPayload<Envelope>('vercel-grid-team2.json');
    const payload = {
      ...envelope,
      event: recorded.event,
      team_id: recorded.team_id,
      api_app_id: 'A0A9LGGJSAJ',
    };
    const turn = await harness.expectTurn(payload, 'C0B5FGHJKLM:1770677100.789012');
    expect(turn).toMatchObject({
      sessionId: 'slack:T0B3ZCXXNRV:C0B5FGHJKLM:1770677100.789012',
      text: 'hello from team 2',
      author: { id: 'U0B1JRWK4YP' },
    });
  });

  it('S21 acknowledges assistant_thread_started and makes no turn (no listener: SLACK_ASSISTANT is not built)', async () => {
    // The docs give it the same event id as S16's example: a distinct one, as Slack's would be.
    const payload = loadPayload<Envelope>('docs-assistant-thread-started.json', { Ev123ABC456: 'Ev0S21' });
    expect(await harness.expectIgnored(payload)).toBeUndefined();
    expect(harness.logs.entries().filter((entry) => entry.eventId === 'Ev0S21')).toEqual([]);
  });
});

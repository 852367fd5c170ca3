import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlackApi, startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { sendSigned, sendSlackEvent, sendSlashCommand } from '../../fakes/slack-signing.ts';
import {
  appMention,
  botMessage,
  channelMessageCopy,
  directMessage,
  FIXTURE,
  messageChanged,
  nextTs,
  slashReset,
} from '../../fixtures/slack/events.ts';
import {
  createTestSlackIngress,
  type ServedSlackIngress,
  serveSlackIngress,
} from '../../helpers/test-slack-ingress.ts';

const SECRET = 'test-signing-secret';
const signed = { signingSecret: SECRET };

let api: FakeSlackApi;
let sink: RecordingSink;
let served: ServedSlackIngress;
let url: string;

beforeAll(async () => {
  api = await startFakeSlackApi({
    identity: { teamId: FIXTURE.team, userId: FIXTURE.botUserId, botId: FIXTURE.botId },
  });
  api.users.set(FIXTURE.user, {
    id: FIXTURE.user,
    name: 'alice',
    real_name: 'Alice Liddell',
    profile: { display_name: 'Alice' },
  });
  api.users.set('U0BOB', {
    id: 'U0BOB',
    name: 'bob',
    real_name: 'Bob Builder',
    profile: { display_name: '' },
  });
  sink = createRecordingSink();
  served = await serveSlackIngress(
    createTestSlackIngress({ apiUrl: api.url, config: { signingSecret: SECRET }, sink }),
  );
  url = served.url;
});

afterAll(async () => {
  await served?.stop();
  await api?.close();
});

beforeEach(() => {
  sink.turns.length = 0;
});

/** Sends a mention that must become a turn, proving everything sent before it has been handled. */
async function sentinel(): Promise<void> {
  const before = sink.turns.length;
  await sendSlackEvent(url, appMention({ text: `<@${FIXTURE.botUserId}> sentinel` }), signed);
  await sink.waitForTurns(before + 1);
  expect(sink.turns.at(-1)?.text).toBe('sentinel');
  sink.turns.pop();
}

describe('Slack ingress over HTTP (real Bolt, signed requests)', () => {
  it('serves POST /slack/events and called auth.test on start', () => {
    expect(served.ingress.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'POST /slack/events',
    ]);
    expect(api.callsTo('auth.test').length).toBeGreaterThan(0);
  });

  it('rejects a bad signature with 401 and enqueues nothing', async () => {
    const response = await sendSlackEvent(url, appMention(), { signingSecret: 'wrong-secret' });
    expect(response.status).toBe(401);
    const forged = await sendSlackEvent(url, appMention(), { ...signed, signature: 'v0=deadbeef' });
    expect(forged.status).toBe(401);
    await sentinel();
    expect(sink.turns).toHaveLength(0);
  });

  it('rejects a request signed more than 5 minutes ago', async () => {
    const response = await sendSlackEvent(url, appMention(), {
      ...signed,
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(response.status).toBe(401);
    await sentinel();
    expect(sink.turns).toHaveLength(0);
  });

  it('answers url_verification with the challenge', async () => {
    const response = await sendSlackEvent(
      url,
      { token: 'x', challenge: 'chal-123', type: 'url_verification' },
      signed,
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ challenge: 'chal-123' });
  });

  it('turns a channel mention into a turn with session, thread target, author name and clean text', async () => {
    const ts = nextTs();
    const response = await sendSlackEvent(
      url,
      appMention({ ts, text: `<@${FIXTURE.botUserId}> My name is Alice, ask <@U0BOB> &amp; co` }),
      signed,
    );
    expect(response.status).toBe(200);
    const [turn] = await sink.waitForTurns(1);
    expect(turn).toMatchObject({
      id: `${FIXTURE.channel}:${ts}`,
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}:${ts}`,
      kind: 'message',
      author: { id: FIXTURE.user, name: 'Alice' },
      text: 'My name is Alice, ask @Bob Builder & co',
      target: { platform: 'slack', channelId: FIXTURE.channel, threadId: ts, workspaceId: FIXTURE.team },
    });
    expect(turn?.context).toBeUndefined();
  });

  it('turns a DM into a turn of the DM session, and a DM thread into its own session', async () => {
    await sendSlackEvent(url, directMessage({ text: 'Hello in DM' }), signed);
    await sendSlackEvent(
      url,
      directMessage({ text: 'Hello in a DM thread', thread_ts: '1600000000.000001' }),
      signed,
    );
    const turns = await sink.waitForTurns(2);
    const byText = new Map(turns.map((turn) => [turn.text, turn]));
    expect(byText.get('Hello in DM')?.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}`);
    expect(byText.get('Hello in DM')?.target.threadId).toBeUndefined();
    expect(byText.get('Hello in a DM thread')?.sessionId).toBe(
      `slack:${FIXTURE.team}:${FIXTURE.dm}:1600000000.000001`,
    );
  });

  it('drops a retried event (same body, x-slack-retry-num) before any API call', async () => {
    const event = appMention({ text: `<@${FIXTURE.botUserId}> retried?` });
    await sendSlackEvent(url, event, signed);
    await sink.waitForTurns(1);
    const callsBefore = api.calls.length;
    const retry = await sendSlackEvent(url, event, { ...signed, retryNum: 1 });
    expect(retry.status).toBe(200);
    await sentinel();
    expect(sink.turns).toHaveLength(1);
    // Only the sentinel's lookups happened (users.info is cached, so possibly none at all).
    expect(api.calls.slice(callsBefore).every((call) => call.method === 'users.info')).toBe(true);
  });

  it('collapses app_mention + message.* deliveries of one message into one turn id', async () => {
    const mention = appMention({ text: `<@${FIXTURE.botUserId}> twice delivered` });
    const dmMention = appMention({ channel: FIXTURE.dm, text: `<@${FIXTURE.botUserId}> in a DM` });
    await Promise.all([
      sendSlackEvent(url, mention, signed),
      sendSlackEvent(url, channelMessageCopy(mention), signed),
      sendSlackEvent(url, dmMention, signed),
      sendSlackEvent(
        url,
        {
          ...dmMention,
          event_id: `${dmMention.event_id}IM`,
          event: { ...dmMention.event, type: 'message', channel_type: 'im' },
        },
        signed,
      ),
    ]);
    await sentinel();
    const ids = sink.turns.map((turn) => turn.id);
    expect(new Set(ids)).toEqual(
      new Set([`${FIXTURE.channel}:${mention.event.ts}`, `${FIXTURE.dm}:${dmMention.event.ts}`]),
    );
    expect(ids.length).toBeLessThanOrEqual(4);
    expect(ids.length).toBe(2); // the adapter drops the second copy itself
  });

  it('ignores bot messages, its own messages and edits', async () => {
    await sendSlackEvent(url, botMessage(), signed);
    await sendSlackEvent(url, messageChanged(), signed);
    await sendSlackEvent(url, appMention({ user: FIXTURE.botUserId }), signed);
    await sendSlackEvent(url, directMessage({ bot_id: FIXTURE.botId, text: 'my own reply' }), signed);
    await sendSlackEvent(
      url,
      { ...directMessage(), event: { ...directMessage().event, subtype: 'channel_join' } },
      signed,
    );
    await sentinel();
    expect(sink.turns).toHaveLength(0);
  });

  it('/reset enqueues a reset of the channel session and answers only the invoker', async () => {
    const response = await sendSlashCommand(url, slashReset(), signed);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    expect((response.json as { text: string }).text).toMatch(/cleared this channel/);
    expect(sink.turns).toHaveLength(1);
    expect(sink.turns[0]).toMatchObject({
      kind: 'reset',
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}`,
      author: { id: FIXTURE.user },
    });
  });

  it('/reset in a DM resets the DM session', async () => {
    const response = await sendSlashCommand(
      url,
      slashReset({ channel_id: FIXTURE.dm, channel_name: 'directmessage' }),
      signed,
    );
    expect((response.json as { text: string }).text).toMatch(/forgotten our conversation/);
    expect(sink.turns[0]?.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}`);
  });

  it('/reset foo answers with help and clears nothing', async () => {
    const response = await sendSlashCommand(url, slashReset({ text: 'foo' }), signed);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    expect((response.json as { text: string }).text).toMatch(/reset\* in that thread/);
    expect(sink.turns).toHaveLength(0);
  });

  it('/reset says so when the queue fails', async () => {
    sink.failNext();
    const response = await sendSlashCommand(url, slashReset(), signed);
    expect((response.json as { text: string }).text).toMatch(/could not reset/);
  });

  it('"@bot reset" in a thread resets that thread and confirms ephemerally', async () => {
    const ephemeralBefore = api.callsTo('chat.postEphemeral').length;
    const threadTs = nextTs();
    await sendSlackEvent(
      url,
      appMention({ text: `<@${FIXTURE.botUserId}> reset`, thread_ts: threadTs }),
      signed,
    );
    const [turn] = await sink.waitForTurns(1);
    expect(turn).toMatchObject({
      kind: 'reset',
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.channel}:${threadTs}`,
    });
    await api.waitFor(() => api.callsTo('chat.postEphemeral').length > ephemeralBefore);
    const call = api.callsTo('chat.postEphemeral').at(-1)!;
    expect(call.body).toMatchObject({ channel: FIXTURE.channel, user: FIXTURE.user, thread_ts: threadTs });
    expect(String(call.body.text)).toMatch(/forgotten this thread/);
  });

  it('falls back to a thread reply when the ephemeral confirmation fails', async () => {
    api.failNext('chat.postEphemeral', 1, { ok: false, error: 'user_not_in_channel' });
    const threadTs = nextTs();
    await sendSlackEvent(
      url,
      appMention({ text: `<@${FIXTURE.botUserId}> reset`, thread_ts: threadTs }),
      signed,
    );
    await api.waitFor(() => api.callsTo('chat.postMessage').some((call) => call.body.thread_ts === threadTs));
  });

  it('answers a malformed JSON body with 400 and keeps working', async () => {
    const response = await sendSigned(
      url,
      '{"type": "event_callback", "event": ',
      'application/json',
      signed,
    );
    expect(response.status).toBe(400);
    await sentinel();
  });

  it('attaches the earlier thread messages when first mentioned in an existing thread', async () => {
    const threadTs = '1600000100.000100';
    api.threads.set(`${FIXTURE.channel}:${threadTs}`, [
      { ts: threadTs, user: 'U0BOB', text: 'We should ship on Friday', thread_ts: threadTs },
      {
        ts: '1600000101.000100',
        user: FIXTURE.user,
        text: 'Not before <@U0BOB> signs off',
        thread_ts: threadTs,
      },
      {
        ts: '1600000102.000100',
        user: FIXTURE.botUserId,
        bot_id: FIXTURE.botId,
        text: 'Noted.',
        thread_ts: threadTs,
      },
      {
        ts: '1600000103.000100',
        subtype: 'channel_join',
        user: 'U0BOB',
        text: 'joined',
        thread_ts: threadTs,
      },
    ]);
    const ts = '1600000104.000100';
    await sendSlackEvent(
      url,
      appMention({ ts, thread_ts: threadTs, text: `<@${FIXTURE.botUserId}> summarise` }),
      signed,
    );
    const [turn] = await sink.waitForTurns(1);
    expect(turn?.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.channel}:${threadTs}`);
    expect(turn?.context).toEqual([
      {
        author: { id: 'U0BOB', name: 'Bob Builder' },
        fromBot: false,
        text: 'We should ship on Friday',
        at: 1_600_000_100_000,
      },
      {
        author: { id: FIXTURE.user, name: 'Alice' },
        fromBot: false,
        text: 'Not before @Bob Builder signs off',
        at: 1_600_000_101_000,
      },
      {
        author: { id: FIXTURE.botUserId, name: 'assistant' },
        fromBot: true,
        text: 'Noted.',
        at: 1_600_000_102_000,
      },
    ]);
    const replies = api.callsTo('conversations.replies').at(-1)!;
    expect(replies.body).toMatchObject({ channel: FIXTURE.channel, ts: threadTs });

    // The session is now known: a second mention in the thread does not fetch the history again.
    const repliesBefore = api.callsTo('conversations.replies').length;
    await sendSlackEvent(
      url,
      appMention({ thread_ts: threadTs, text: `<@${FIXTURE.botUserId}> and now?` }),
      signed,
    );
    await sink.waitForTurns(2);
    expect(sink.turns[1]?.context).toBeUndefined();
    expect(api.callsTo('conversations.replies')).toHaveLength(repliesBefore);
  });

  it('still enqueues the turn when conversations.replies fails', async () => {
    api.failNext('conversations.replies', 1, { ok: false, error: 'missing_scope' });
    const threadTs = nextTs();
    await sendSlackEvent(
      url,
      appMention({ thread_ts: threadTs, text: `<@${FIXTURE.botUserId}> hello?` }),
      signed,
    );
    const [turn] = await sink.waitForTurns(1);
    expect(turn?.text).toBe('hello?');
    expect(turn?.context).toBeUndefined();
  });

  it('uses the user id as name when users.info fails', async () => {
    api.failNext('users.info', 1, { ok: false, error: 'user_not_found' });
    await sendSlackEvent(
      url,
      appMention({ user: 'U0NOBODY', text: `<@${FIXTURE.botUserId}> who am I?` }),
      signed,
    );
    const [turn] = await sink.waitForTurns(1);
    expect(turn?.author).toEqual({ id: 'U0NOBODY', name: 'U0NOBODY', isPlatformAdmin: false });
  });
});

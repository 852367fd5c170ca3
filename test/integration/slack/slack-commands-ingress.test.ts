import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMAND_FAILED, COMMAND_PENDING } from '../../../adapters/slack/slash-command.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import type { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { sendSlackEvent, sendSlashCommand } from '../../fakes/slack-signing.ts';
import { appMention, directMessage, FIXTURE, nextTs, slashCommand } from '../../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../../helpers/fixture-slack-api.ts';
import { createTestSlackIngress, serveSlackIngress } from '../../helpers/test-slack-ingress.ts';

const SECRET = 'commands-signing-secret';
const signed = { signingSecret: SECRET };
const BOT = `<@${FIXTURE.botUserId}>`;
const CHANNEL_SESSION = `slack:${FIXTURE.team}:${FIXTURE.channel}`;

interface RunningIngress {
  url: string;
  /** Its queue; `sink.beforeEnqueue` may delay or fail an enqueue. */
  sink: RecordingSink;
  stop(): Promise<void>;
}

let api: FakeSlackApi;
let threads: RunningIngress;
let channels: RunningIngress;

/** A real Bolt ingress behind a plain HTTP server, as the core mounts it. */
async function startIngress(sessionScope: 'thread' | 'channel'): Promise<RunningIngress> {
  const sink = createRecordingSink();
  const served = await serveSlackIngress(
    createTestSlackIngress({
      apiUrl: api.url,
      config: { signingSecret: SECRET, sessionScope },
      sink,
      enqueueBudgetMs: 300,
    }),
  );
  return { url: served.url, sink, stop: served.stop };
}

beforeAll(async () => {
  api = await startFixtureSlackApi();
  [threads, channels] = await Promise.all([startIngress('thread'), startIngress('channel')]);
});

afterAll(async () => {
  await threads?.stop();
  await channels?.stop();
  await api?.close();
});

beforeEach(() => {
  for (const running of [threads, channels]) {
    running.sink.turns.length = 0;
    running.sink.beforeEnqueue = undefined;
  }
});

/** Runs a slash command on the thread-scoped ingress; returns the ack and the turns it enqueued. */
async function slash(command: string, text = '', fields: Record<string, string> = {}) {
  const before = threads.sink.turns.length;
  const responseUrl = api.responseUrl();
  const response = await sendSlashCommand(
    threads.url,
    slashCommand(command, text, { response_url: responseUrl, ...fields }),
    signed,
  );
  expect(response.status).toBe(200);
  return { response, responseUrl, turns: threads.sink.turns.slice(before) };
}

/** Sends a mention and waits for its turn. */
async function mention(running: RunningIngress, event: Record<string, unknown>): Promise<Turn> {
  const before = running.sink.turns.length;
  await sendSlackEvent(running.url, appMention(event), signed);
  const turns = await running.sink.waitForTurns(before + 1);
  return turns[before]!;
}

describe('Slack slash commands (real Bolt, signed requests)', () => {
  it.each([
    ['/memory', '', 'memory', ''],
    ['/memory', 'clear', 'memory', 'clear'],
    ['/persona', 'You are a pirate &amp; a poet &lt;3', 'persona', 'You are a pirate & a poet <3'],
    ['/persona', 'reset', 'persona', 'reset'],
    ['/usage', '', 'usage', ''],
    ['/export', '', 'export', ''],
    ['/forget', '', 'forget', ''],
    ['/forget', 'confirm', 'forget', 'confirm'],
    ['/parley-usage', '', 'usage', ''],
    ['/parley', 'persona be brief', 'persona', 'be brief'],
    ['/parley', 'export', 'export', ''],
    ['/parley', 'help', 'help', ''],
    ['/parley', '', 'help', ''],
    ['/parley', 'dance now', 'help', 'dance now'],
  ])(
    '%s %s → a %s command of the channel session, acked empty, answered via response_url',
    async (command, text, name, args) => {
      const { response, responseUrl, turns } = await slash(command, text);
      expect(response.body).toBe('');
      expect(turns).toHaveLength(1);
      const [turn] = turns;
      expect(turn).toMatchObject({
        kind: 'command',
        command: { name, args },
        sessionId: CHANNEL_SESSION,
        scopeId: CHANNEL_SESSION,
        author: { id: FIXTURE.user, name: 'alice' },
        target: {
          platform: 'slack',
          channelId: FIXTURE.channel,
          workspaceId: FIXTURE.team,
          invoker: { userId: FIXTURE.user, responseUrl },
        },
      });
      expect(turn?.id).toMatch(/^command:/);
      expect(turn?.target.threadId).toBeUndefined();
    },
  );

  it('gives each invocation its own turn id (trigger_id), so repeating a command runs it again', async () => {
    const first = await slash('/usage');
    const second = await slash('/usage');
    expect(first.turns[0]?.id).not.toBe(second.turns[0]?.id);
  });

  it('runs a slash command in a DM on the DM session', async () => {
    const { turns } = await slash('/export', '', { channel_id: FIXTURE.dm, channel_name: 'directmessage' });
    expect(turns[0]).toMatchObject({
      kind: 'command',
      sessionId: `slack:${FIXTURE.team}:${FIXTURE.dm}`,
      scopeId: `slack:${FIXTURE.team}:${FIXTURE.dm}`,
      target: { channelId: FIXTURE.dm },
    });
  });

  it('/parley reset keeps the reset flow: a reset turn, confirmed in the ack', async () => {
    const { response, turns } = await slash('/parley', 'reset');
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    expect((response.json as { text: string }).text).toMatch(/cleared this channel/);
    expect(turns).toMatchObject([{ kind: 'reset', sessionId: CHANNEL_SESSION, scopeId: CHANNEL_SESSION }]);

    const help = await slash('/parley', 'reset please');
    expect((help.response.json as { text: string }).text).toMatch(/reset\* in that thread/);
    expect(help.turns).toHaveLength(0);
  });

  it('says so, only to the invoker, when the queue refuses the command', async () => {
    threads.sink.beforeEnqueue = async () => {
      throw new Error('queue unavailable');
    };
    const { response, turns } = await slash('/usage');
    expect(response.json).toEqual({ response_type: 'ephemeral', text: COMMAND_FAILED });
    expect(turns).toHaveLength(0);
  });

  it('acks a slow queue with "…" in time, and reports a late failure through response_url', async () => {
    threads.sink.beforeEnqueue = async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      throw new Error('queue gave up');
    };
    const { response, responseUrl } = await slash('/forget', 'confirm');
    expect(response.json).toEqual({ response_type: 'ephemeral', text: COMMAND_PENDING });
    const path = new URL(responseUrl).pathname;
    await api.waitFor(() => api.responses.some((posted) => posted.path === path));
    expect(api.responses.find((posted) => posted.path === path)?.body).toEqual({
      response_type: 'ephemeral',
      text: COMMAND_FAILED,
    });
  });
});

describe('Slack commands by mention (where slash commands cannot run)', () => {
  it('"@bot usage" in a thread is a command of the thread, scoped to the channel, answered privately', async () => {
    const threadTs = nextTs();
    const turn = await mention(threads, { thread_ts: threadTs, text: `${BOT} usage` });
    expect(turn).toMatchObject({
      kind: 'command',
      command: { name: 'usage', args: '' },
      sessionId: `${CHANNEL_SESSION}:${threadTs}`,
      scopeId: CHANNEL_SESSION,
      target: { threadId: threadTs, invoker: { userId: FIXTURE.user } },
    });
    expect(turn.target.invoker?.responseUrl).toBeUndefined();
  });

  it.each([
    ['memory clear', 'memory', 'clear'],
    ['persona Talk like a pirate.', 'persona', 'Talk like a pirate.'],
    ['export', 'export', ''],
    ['forget confirm', 'forget', 'confirm'],
    ['help', 'help', ''],
  ])('"@bot %s" in a thread → %s', async (text, name, args) => {
    const threadTs = nextTs();
    const turn = await mention(threads, { thread_ts: threadTs, text: `${BOT} ${text}` });
    expect(turn).toMatchObject({ kind: 'command', command: { name, args }, scopeId: CHANNEL_SESSION });
  });

  it('does not fetch the thread history for a command, and posts nothing itself', async () => {
    const replies = api.callsTo('conversations.replies').length;
    const ephemerals = api.callsTo('chat.postEphemeral').length;
    await mention(threads, { thread_ts: nextTs(), text: `${BOT} memory` });
    expect(api.callsTo('conversations.replies')).toHaveLength(replies);
    expect(api.callsTo('chat.postEphemeral')).toHaveLength(ephemerals);
  });

  it('keeps other mentions as messages, with the channel as their scope', async () => {
    const threadTs = nextTs();
    const turn = await mention(threads, { thread_ts: threadTs, text: `${BOT} what does usage mean?` });
    expect(turn).toMatchObject({ kind: 'message', scopeId: CHANNEL_SESSION, text: 'what does usage mean?' });
    expect(turn.target.invoker).toBeUndefined();
    const before = threads.sink.turns.length;
    await sendSlackEvent(threads.url, directMessage({ text: 'usage' }), signed);
    const [dm] = (await threads.sink.waitForTurns(before + 1)).slice(before);
    expect(dm).toMatchObject({ kind: 'message', scopeId: `slack:${FIXTURE.team}:${FIXTURE.dm}` });
  });
});

describe('SLACK_SESSION_SCOPE=channel', () => {
  it('maps mentions in different threads of a channel to the channel session, answering in each thread', async () => {
    const first = nextTs();
    const second = nextTs();
    const a = await mention(channels, { ts: first, text: `${BOT} My name is Alice` });
    const b = await mention(channels, { ts: second, text: `${BOT} What is my name?` });
    const c = await mention(channels, { thread_ts: first, text: `${BOT} and in the thread?` });
    for (const turn of [a, b, c]) {
      expect(turn.sessionId).toBe(CHANNEL_SESSION);
      expect(turn.scopeId).toBe(CHANNEL_SESSION);
    }
    expect([a.target.threadId, b.target.threadId, c.target.threadId]).toEqual([first, second, first]);
  });

  it('resets the shared conversation from a thread and says it covers the threads', async () => {
    const ephemerals = api.callsTo('chat.postEphemeral').length;
    const threadTs = nextTs();
    const turn = await mention(channels, { thread_ts: threadTs, text: `${BOT} reset` });
    expect(turn).toMatchObject({ kind: 'reset', sessionId: CHANNEL_SESSION });
    await api.waitFor(() => api.callsTo('chat.postEphemeral').length > ephemerals);
    expect(String(api.callsTo('chat.postEphemeral').at(-1)?.body.text)).toMatch(/threads included/);
  });

  it('leaves DMs alone: a DM thread is still its own session', async () => {
    const before = channels.sink.turns.length;
    await sendSlackEvent(channels.url, directMessage({ text: 'hi', thread_ts: '1600000000.000007' }), signed);
    const [turn] = (await channels.sink.waitForTurns(before + 1)).slice(before);
    expect(turn?.sessionId).toBe(`slack:${FIXTURE.team}:${FIXTURE.dm}:1600000000.000007`);
  });
});

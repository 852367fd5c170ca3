import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'node:querystring';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeMessage, FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../fakes/mcp/fake-mcp-http.ts';
import { sendSigned, sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { type ParleyProcess, startParleyProcess } from '../helpers/parley-process.ts';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { callLogFile, latestToolResults } from '../integration/tools/tool-harness.ts';

const SECRET = 'tool-confirm-secret';
let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let remote: FakeMcpHttp;
let parley: RunningParley;
let worker: ParleyProcess;

beforeAll(async () => {
  [model, redis, api, remote] = await Promise.all([
    startFakeOpenAI(),
    startTestRedis(),
    startFixtureSlackApi(),
    startFakeMcpHttp(),
  ]);
  const file = join(dirname(callLogFile()), 'mcp.json');
  writeFileSync(
    file,
    JSON.stringify({ mcpServers: { remote: { url: remote.url, tools: { echo: { confirm: true } } } } }),
  );
  const shared = {
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'tool-confirm-e2e',
    SLACK_BOT_TOKEN: 'xoxb-confirm',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    MCP_CONFIG: file,
    TOOL_CONFIRM_TIMEOUT_MS: '1500',
  };
  // The worker is a process of its own: the click reaches this ingress, the answer travels through Redis.
  worker = startParleyProcess({
    ...shared,
    PARLEY_ROLE: 'worker',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  await worker.waitForOutput('HTTP server listening', 45_000);
  parley = await startTestParley({ ...shared, PARLEY_ROLE: 'ingress', LOG_LEVEL: 'silent' });
}, 60_000);

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await Promise.all([model?.close(), redis?.close(), api?.close(), remote?.stop()]);
});

beforeEach(() => {
  model.respondWith((body) => {
    const results = latestToolResults(body);
    if (results.length > 0) return `After the tool: ${results[0]!.content}`;
    return { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"guarded"}' }] };
  });
});

/** Mentions the bot in a new thread; resolves to the thread's ts. */
async function askInThread(text: string): Promise<string> {
  const root = nextTs();
  const mention = appMention({ ts: root, text: `<@${FIXTURE.botUserId}> ${text}` });
  expect((await sendSlackEvent(slackEventsUrl(parley), mention, { signingSecret: SECRET })).status).toBe(200);
  return root;
}

/** The action ids of the question's buttons, or `undefined` when the message has none. */
function confirmButtons(message: FakeMessage): { approve: string; decline: string } | undefined {
  const actions = (message.blocks ?? []).find((block) => (block as { type?: string }).type === 'actions') as
    | { elements: Array<{ action_id: string }> }
    | undefined;
  const ids = actions?.elements.map((element) => element.action_id) ?? [];
  const approve = ids.find((id) => id.startsWith('parley_tool_confirm:approve:'));
  const decline = ids.find((id) => id.startsWith('parley_tool_confirm:decline:'));
  return approve && decline ? { approve, decline } : undefined;
}

/** The question posted in the thread, once it is there. */
function questionIn(root: string) {
  return waitFor('the confirmation question', () => {
    const message = api.messagesIn(FIXTURE.channel, root).find((entry) => confirmButtons(entry));
    return message ? { message, buttons: confirmButtons(message)! } : undefined;
  });
}

/** A signed `block_actions` click of button `actionId` on `message`, by `user`. */
function click(message: FakeMessage, root: string, actionId: string, user: string = FIXTURE.user) {
  const payload = {
    type: 'block_actions',
    team: { id: FIXTURE.team, domain: 'fixture' },
    user: { id: user, team_id: FIXTURE.team },
    api_app_id: 'A0FIXTURE',
    token: 'legacy',
    container: { type: 'message', message_ts: message.ts, channel_id: FIXTURE.channel, is_ephemeral: false },
    channel: { id: FIXTURE.channel },
    message: {
      type: 'message',
      ts: message.ts,
      thread_ts: root,
      user: FIXTURE.botUserId,
      text: message.text,
    },
    trigger_id: '1.2.3',
    response_url: api.responseUrl(),
    actions: [
      {
        action_id: actionId,
        block_id: 'confirm',
        type: 'button',
        value: 'x',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return sendSigned(
    slackEventsUrl(parley),
    stringify({ payload: JSON.stringify(payload) }),
    'application/x-www-form-urlencoded',
    { signingSecret: SECRET },
  );
}

/** The thread's answer, once posted. */
function answerIn(root: string) {
  return waitFor('the answer', () =>
    api.messagesIn(FIXTURE.channel, root).find((message) => message.text?.includes('After the tool')),
  );
}

describe('tools that ask first, on Slack (signed block_actions through Bolt; the worker in another process, answers through Redis)', () => {
  it('runs the tool once its author approves, and edits the question to say who did', async () => {
    const before = remote.calls.length;
    const root = await askInThread('echo something guarded');
    const { message, buttons } = await questionIn(root);
    expect(message.text).toContain('remote.echo');
    expect(remote.calls.length).toBe(before);
    expect((await click(message, root, buttons.approve)).status).toBe(200);
    const answer = await answerIn(root);
    expect(answer.text).toContain('After the tool: echo: guarded');
    expect(remote.calls.slice(before)).toEqual([{ tool: 'echo', args: { text: 'guarded' } }]);
    const settled = api.messagesIn(FIXTURE.channel, root).find((entry) => entry.ts === message.ts)!;
    expect(settled.text).toContain(`approved by <@${FIXTURE.user}>`);
    expect(confirmButtons(settled)).toBeUndefined();
  }, 30_000);

  it('does not run a declined tool, and tells the model so', async () => {
    const before = remote.calls.length;
    const root = await askInThread('echo but I will say no');
    const { message, buttons } = await questionIn(root);
    await click(message, root, buttons.decline);
    const answer = await answerIn(root);
    expect(answer.text).toContain('The user declined');
    expect(remote.calls.length).toBe(before);
    const settled = api.messagesIn(FIXTURE.channel, root).find((entry) => entry.ts === message.ts)!;
    expect(settled.text).toContain('declined by');
    expect(confirmButtons(settled)).toBeUndefined();
  }, 30_000);

  it('refuses a click by someone else with an ephemeral note, and an unanswered question times out as declined', async () => {
    const before = remote.calls.length;
    const root = await askInThread('echo, nobody answers');
    const { message, buttons } = await questionIn(root);
    const ephemerals = api.callsTo('chat.postEphemeral').length;
    await click(message, root, buttons.approve, 'U0SOMEONE');
    const note = await waitFor('the ephemeral refusal', () =>
      api.callsTo('chat.postEphemeral').at(ephemerals),
    );
    expect(note.body).toMatchObject({ user: 'U0SOMEONE', text: `Only <@${FIXTURE.user}> can answer this.` });
    const answer = await answerIn(root);
    expect(answer.text).toContain('did not confirm this tool in time');
    expect(remote.calls.length).toBe(before);
    const settled = api.messagesIn(FIXTURE.channel, root).find((entry) => entry.ts === message.ts)!;
    expect(settled.text).toContain('nobody answered in time');
  }, 30_000);
});

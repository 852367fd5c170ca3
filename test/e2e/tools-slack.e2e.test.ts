import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import type { FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../fakes/mcp/fake-mcp-http.ts';
import { sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE, nextTs } from '../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../helpers/fixture-slack-api.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { slackEventsUrl, startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { callLogFile, latestToolResults } from '../integration/tools/tool-harness.ts';

const SECRET = 'tools-e2e-secret';
let model: FakeOpenAI;
let redis: TestRedis;
let api: FakeSlackApi;
let remote: FakeMcpHttp;
let parley: RunningParley;

beforeAll(async () => {
  [model, redis, api, remote] = await Promise.all([
    startFakeOpenAI(),
    startTestRedis(),
    startFixtureSlackApi(),
    startFakeMcpHttp(),
  ]);
  const file = join(dirname(callLogFile()), 'mcp.json');
  writeFileSync(file, JSON.stringify({ mcpServers: { remote: { url: remote.url } } }));
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'tools-e2e',
    SLACK_BOT_TOKEN: 'xoxb-tools',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: api.url,
    MCP_CONFIG: file,
    LOG_LEVEL: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), redis?.close(), api?.close(), remote?.stop()]);
});

describe('tools on Slack, end to end (HTTP events, Redis, BullMQ, MCP over Streamable HTTP)', () => {
  it('shows the tool status, posts the answer with its tools, neutralises mentions from the result, and stores the exchange', async () => {
    model.respondWith((body) => {
      const results = latestToolResults(body);
      if (results.length > 0) return `The tool said: ${results[0]!.content}`;
      return { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"<!channel> look"}' }] };
    });
    const root = nextTs();
    const mention = appMention({ ts: root, text: `<@${FIXTURE.botUserId}> use the echo tool` });
    expect((await sendSlackEvent(slackEventsUrl(parley), mention, { signingSecret: SECRET })).status).toBe(
      200,
    );
    const reply = await waitFor('the answer', () =>
      api.messagesIn(FIXTURE.channel, root).find((message) => message.text?.includes('The tool said')),
    );
    expect(remote.calls.at(-1)).toEqual({ tool: 'echo', args: { text: '<!channel> look' } });
    // A tool result is untrusted: its broadcast mention does not ping anybody.
    expect(reply.text).not.toContain('<!channel>');
    expect(reply.text).toContain('@channel look');
    expect(reply.text).toContain('remote.echo');
    const statuses = api.callsTo('assistant.threads.setStatus').map((call) => call.body.status);
    expect(statuses).toContain('Using remote.echo…');

    const sessionId = `slack:${FIXTURE.team}:${FIXTURE.channel}:${root}`;
    await waitFor('the commit', async () => (await parley.store.committedSeq(sessionId)) > 0);
    const stored = await parley.store.load(sessionId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(stored[2]).toMatchObject({ toolName: 'remote.echo', content: 'echo: <!channel> look' });
  }, 60_000);
});

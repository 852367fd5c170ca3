import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import { createMetrics } from '../../../src/app/metrics.ts';
import type { HistoryStore } from '../../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { createOpenAIModelClient } from '../../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import type { ToolRegistry } from '../../../src/tools/tool-registry.ts';
import { createTurnProcessor } from '../../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';
import {
  type ChatCompletionRequestBody,
  type FakeOpenAI,
  startFakeOpenAI,
} from '../../fakes/fake-openai-server.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../../fakes/mcp/fake-mcp-http.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  callLogFile,
  jobOf,
  latestToolResults,
  loggedCalls,
  offeredNames,
  recordingChannel,
  stdioServer,
  storedShape,
  testRegistry,
  turnOf,
} from './tool-harness.ts';

const counter = getTokenCounter('gpt-4o-mini');
let model: FakeOpenAI;
let remote: FakeMcpHttp;
let registry: ToolRegistry;
let stdioLog: string;
let store: HistoryStore;
let platform: ReturnType<typeof recordingChannel>;
let processTurn: ReturnType<typeof createTurnProcessor>;
const metrics = createMetrics({ defaultMetrics: false });

beforeAll(async () => {
  model = await startFakeOpenAI();
  remote = await startFakeMcpHttp();
  stdioLog = callLogFile();
  registry = testRegistry(
    [
      stdioServer('local', stdioLog),
      {
        name: 'remote',
        transport: { kind: 'http', url: remote.url, headers: { authorization: 'Bearer t0k' } },
        confirm: { all: false, tools: [] },
      },
    ],
    counter,
    {},
    (server, tool, outcome, seconds) => metrics.toolCall?.(server, tool, outcome, seconds),
  );
  await registry.start();
}, 30_000);

afterAll(async () => {
  await registry?.close();
  await remote?.stop();
  await model?.close();
});

beforeEach(() => {
  model.reset();
  store = createMemoryHistoryStore();
  platform = recordingChannel();
  processTurn = createTurnProcessor({
    store,
    model: createOpenAIModelClient({
      baseUrl: model.url,
      model: 'gpt-4o-mini',
      maxReplyTokens: 200,
      timeoutMs: 5_000,
      maxRetries: 0,
    }),
    counter,
    replyChannels: { console: platform.channel },
    prompt: { systemPrompt: 'You are a test bot.', maxContextTokens: 8_000, maxReplyTokens: 200 },
    modelAttempts: 1,
    ledger: createMemoryUsageLedger(),
    logger: silentLogger,
    admin: { users: [], commands: ['persona', 'forget', 'tools'] },
    tools: registry,
  });
});

/** A model that calls `calls` when no tool result is in the request yet, then answers with the results. */
function callThenAnswer(calls: Array<{ name: string; arguments: string }>) {
  model.respondWith((body: ChatCompletionRequestBody) => {
    const results = latestToolResults(body);
    if (results.length === 0) return { content: '', toolCalls: calls };
    return `Answer from: ${results.map((result) => result.content).join(' | ')}`;
  });
}

describe('the tool loop', () => {
  it('runs a streamed call on a stdio MCP server, gives the model the result and posts the answer', async () => {
    callThenAnswer([{ name: 'local__echo', arguments: '{"text":"hello from the model"}' }]);
    await processTurn(jobOf(turnOf('console:t1', 'echo something'), 1));

    expect(loggedCalls(stdioLog).at(-1)).toMatchObject({
      tool: 'echo',
      args: { text: 'hello from the model' },
    });
    expect(model.requests).toHaveLength(2);
    expect(offeredNames(model.requests[0]!.body)).toContain('local__echo');
    const second = model.requests[1]!.body.messages;
    expect(second.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [
        {
          id: 'call_0',
          type: 'function',
          function: { name: 'local__echo', arguments: '{"text":"hello from the model"}' },
        },
      ],
    });
    expect(second.at(-1)).toMatchObject({
      role: 'tool',
      tool_call_id: 'call_0',
      content: 'echo: hello from the model',
    });
    expect(platform.finished.at(-1)!.text).toBe(
      'Answer from: echo: hello from the model\n\n_Used `local.echo`_',
    );
    expect(platform.toolStatus).toEqual([['local.echo']]);

    expect(await storedShape(store, 'console:t1')).toEqual([
      { role: 'user' },
      { role: 'assistant', calls: ['local__echo'] },
      { role: 'tool', toolCallId: 'call_0', toolName: 'local.echo' },
      { role: 'assistant' },
    ]);
    // Both rounds' tokens are counted.
    const usage = platform.finished.at(-1)!.details!.usage!;
    // The fake bills ceil(characters of the messages' text / 4) per request.
    const billed = model.requests.map(({ body }) =>
      Math.ceil(
        body.messages.reduce(
          (sum, message) => sum + (typeof message.content === 'string' ? message.content.length : 0),
          0,
        ) / 4,
      ),
    );
    expect(billed).toHaveLength(2);
    expect(usage.promptTokens).toBe(billed[0]! + billed[1]!);
    const meta = await store.getMeta('console:t1');
    expect(meta.usage.promptTokens).toBe(usage.promptTokens);
  });

  it('runs two calls of one round in parallel on a Streamable HTTP server', async () => {
    callThenAnswer([
      { name: 'remote__add', arguments: '{"a":2,"b":40}' },
      { name: 'remote__echo', arguments: '{"text":"twice"}' },
    ]);
    const before = remote.calls.length;
    await processTurn(jobOf(turnOf('console:t2', 'add and echo'), 1));
    expect(
      remote.calls
        .slice(before)
        .map((call) => call.tool)
        .sort(),
    ).toEqual(['add', 'echo']);
    expect(remote.headers.at(-1)?.authorization).toBe('Bearer t0k');
    const results = latestToolResults(model.requests[1]!.body);
    expect(results.map((result) => [result.tool_call_id, result.content])).toEqual([
      ['call_0', '42'],
      ['call_1', 'echo: twice'],
    ]);
    expect(platform.finished.at(-1)!.text).toContain('Answer from: 42 | echo: twice');
  });

  it('tells the model when a tool fails, times out or does not exist, and the user still gets an answer', async () => {
    callThenAnswer([
      { name: 'remote__fail', arguments: '{}' },
      { name: 'local__hang', arguments: '{}' },
      { name: 'nowhere__nothing', arguments: '{}' },
      { name: 'remote__add', arguments: '{"a": 1,' },
    ]);
    await processTurn(jobOf(turnOf('console:t3', 'break things'), 1));
    const results = latestToolResults(model.requests[1]!.body).map((result) => result.content as string);
    expect(results[0]).toContain('disk on fire');
    expect(results[1]).toBe('Error: the tool did not answer within 1000 ms and was stopped.');
    expect(results[2]).toContain('there is no tool named "nowhere__nothing"');
    expect(results[3]).toContain('not valid JSON');
    const exposed = await metrics.registry.metrics();
    expect(exposed).toContain('parley_tool_calls_total{server="remote",tool="fail",outcome="error"} 1');
    expect(exposed).toContain('parley_tool_calls_total{server="local",tool="hang",outcome="timeout"} 1');
    expect(exposed).toContain('parley_tool_calls_total{server="unknown",tool="unknown",outcome="unknown"} 1');
    expect(exposed).toMatch(/parley_tool_call_duration_seconds_count\{server="local",tool="hang"\} 1/);
    expect(platform.finished.at(-1)!.details?.isError).toBe(false);
    expect(platform.finished.at(-1)!.text).toContain('Answer from:');
  });

  it('stops offering tools after MAX_TOOL_ROUNDS, so the model must answer', async () => {
    model.respondWith((body) =>
      offeredNames(body).length > 0
        ? { content: '', toolCalls: [{ name: 'remote__add', arguments: '{"a":1,"b":1}' }] }
        : 'Enough tools.',
    );
    const before = remote.calls.length;
    await processTurn(jobOf(turnOf('console:t4', 'loop forever'), 1));
    expect(model.requests).toHaveLength(4);
    expect(model.requests.map((request) => offeredNames(request.body).length > 0)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(remote.calls.length - before).toBe(3);
    expect(platform.finished.at(-1)!.text).toBe('Enough tools.\n\n_Used `remote.add`_');
  });

  it('sends the earlier call and result with the next turn', async () => {
    callThenAnswer([{ name: 'remote__echo', arguments: '{"text":"remember me"}' }]);
    await processTurn(jobOf(turnOf('console:t5', 'first'), 1));
    model.respondWith(() => 'Second answer.');
    await processTurn(jobOf(turnOf('console:t5', 'second'), 2));
    const messages = model.requests.at(-1)!.body.messages;
    expect(messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
    expect(messages[2]).toMatchObject({ tool_calls: [{ id: 'call_0', function: { name: 'remote__echo' } }] });
    expect(messages[3]).toMatchObject({ tool_call_id: 'call_0', content: 'echo: remember me' });
  });

  it('caps a long result with a marker', async () => {
    callThenAnswer([{ name: 'remote__big', arguments: '{"words":2000}' }]);
    await processTurn(jobOf(turnOf('console:t6', 'big'), 1));
    const [result] = latestToolResults(model.requests[1]!.body);
    expect(result!.content).toMatch(/…\[truncated \d+ tokens\]$/);
    expect(counter.count(result!.content as string)).toBeLessThanOrEqual(60);
  });

  it('refreshes the tool list when the server announces a change', async () => {
    expect(registry.offered(undefined).map((tool) => tool.definition.name)).not.toContain('local__late');
    callThenAnswer([{ name: 'local__grow', arguments: '{}' }]);
    await processTurn(jobOf(turnOf('console:t7', 'grow'), 1));
    await waitFor('the new tool', () =>
      registry.offered(undefined).some((tool) => tool.definition.name === 'local__late'),
    );
  });

  it('follows the channel switches of the tools command', async () => {
    model.respondWith(() => 'ok');
    const scope = { scopeId: 'console:chan' };
    await processTurn(
      jobOf(
        turnOf('console:chan:1', 'tools off remote', {
          kind: 'command',
          command: { name: 'tools', args: 'off remote' },
          ...scope,
        }),
        1,
      ),
    );
    expect(platform.finished.at(-1)!.text).toContain('`remote` is now off');
    await processTurn(jobOf(turnOf('console:chan:2', 'which tools?', scope), 1));
    const offered = offeredNames(model.requests.at(-1)!.body);
    expect(offered.some((name) => name.startsWith('remote__'))).toBe(false);
    expect(offered).toContain('local__echo');
    await processTurn(
      jobOf(
        turnOf('console:chan:1', 'tools', {
          kind: 'command',
          command: { name: 'tools', args: '' },
          ...scope,
        }),
        2,
      ),
    );
    expect(platform.finished.at(-1)!.text).toContain('`remote.add` off');
    expect(platform.finished.at(-1)!.text).toContain('`local.echo` on');
  });

  it('refuses tool switches to people who are not admins', async () => {
    const author = { id: 'U2', name: 'Bob' };
    await processTurn(
      jobOf(
        turnOf('console:t9', 'tools off local', {
          kind: 'command',
          command: { name: 'tools', args: 'off local' },
          author,
        }),
        1,
      ),
    );
    expect(platform.finished.at(-1)!.text).toContain('Only admins can use `tools`');
    expect((await store.getMeta('console:t9')).tools).toBeUndefined();
  });

  it('answers without a stdio server that crashed mid-conversation, and uses it again once it is back', async () => {
    callThenAnswer([{ name: 'local__crash', arguments: '{}' }]);
    await processTurn(jobOf(turnOf('console:t10', 'crash it'), 1));
    const crashedPid = loggedCalls(stdioLog).at(-1)!.pid;
    expect(latestToolResults(model.requests[1]!.body)[0]!.content).toMatch(/^Error: /);
    expect(platform.finished.at(-1)!.details?.isError).toBe(false);

    await waitFor('the server back', () =>
      registry
        .listing()
        .find((entry) => entry.server === 'local' && entry.connected && entry.tools.includes('echo')),
    );
    model.reset();
    callThenAnswer([{ name: 'local__echo', arguments: '{"text":"back"}' }]);
    await processTurn(jobOf(turnOf('console:t10', 'again'), 2));
    const last = loggedCalls(stdioLog).at(-1)!;
    expect(last).toMatchObject({ tool: 'echo', args: { text: 'back' } });
    expect(last.pid).not.toBe(crashedPid);
  });

  it('answers without a Streamable HTTP server while it is down, and reconnects when it is back', async () => {
    await remote.stop();
    callThenAnswer([{ name: 'remote__echo', arguments: '{"text":"down"}' }]);
    await processTurn(jobOf(turnOf('console:t11', 'remote down'), 1));
    expect(latestToolResults(model.requests[1]!.body)[0]!.content).toMatch(/^Error: /);
    await waitFor(
      'the server marked down',
      () => !registry.listing().find((entry) => entry.server === 'remote')!.connected,
    );
    await remote.restart();
    await waitFor(
      'the server back',
      () => registry.listing().find((entry) => entry.server === 'remote')!.connected,
    );
    model.reset();
    callThenAnswer([{ name: 'remote__echo', arguments: '{"text":"up"}' }]);
    await processTurn(jobOf(turnOf('console:t11', 'remote up'), 2));
    expect(latestToolResults(model.requests[1]!.body)[0]!.content).toBe('echo: up');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { createOpenAIResponsesModelClient } from '../../../src/model/openai-responses-model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import type { ToolRegistry } from '../../../src/tools/tool-registry.ts';
import { createTurnProcessor } from '../../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../fakes/fake-openai-server.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../../fakes/mcp/fake-mcp-http.ts';
import {
  jobOf,
  latestToolResults,
  recordingChannel,
  storedShape,
  testRegistry,
  turnOf,
} from './tool-harness.ts';

const counter = getTokenCounter('gpt-4o-mini');
let model: FakeOpenAI;
let remote: FakeMcpHttp;
let registry: ToolRegistry;

beforeAll(async () => {
  model = await startFakeOpenAI();
  remote = await startFakeMcpHttp();
  registry = testRegistry(
    [
      {
        name: 'remote',
        transport: { kind: 'http', url: remote.url, headers: {} },
        confirm: { all: false, tools: [] },
      },
    ],
    counter,
    {
      webSearch: true,
    },
  );
  await registry.start();
});
afterAll(async () => {
  await registry?.close();
  await remote?.stop();
  await model?.close();
});

describe('the tool loop on the Responses API', () => {
  it('chains the results to the round that asked for them, and rebuilds the exchange when the chain is lost', async () => {
    model.respondWith((body) => {
      const results = latestToolResults(body);
      if (results.length > 0) return `Result: ${results[0]!.content}`;
      if (body.messages.some((message) => message.role === 'tool')) return 'Still remembered.';
      return {
        content: '',
        toolCalls: [{ id: 'call_r1', name: 'remote__echo', arguments: '{"text":"via responses"}' }],
      };
    });
    const store = createMemoryHistoryStore();
    const platform = recordingChannel();
    const processTurn = createTurnProcessor({
      store,
      model: createOpenAIResponsesModelClient({
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
      tools: registry,
    });

    await processTurn(jobOf(turnOf('console:r1', 'echo via responses'), 1));
    const [first, second] = model.responsesRequests.map((request) => request.body);
    const offered = (first!.tools as Array<{ type: string; name?: string }>).map(
      (tool) => tool.name ?? tool.type,
    );
    expect(offered).toEqual(expect.arrayContaining(['remote__echo', 'web_search']));
    expect(second!.previous_response_id).toBe('resp_1');
    expect(second!.input).toEqual([
      { type: 'function_call_output', call_id: 'call_r1', output: 'echo: via responses' },
    ]);
    expect(second!.instructions).toBe('You are a test bot.');
    expect(platform.finished.at(-1)!.text).toBe('Result: echo: via responses\n\n_Used `remote.echo`_');
    expect(await storedShape(store, 'console:r1')).toEqual([
      { role: 'user' },
      { role: 'assistant', calls: ['remote__echo'] },
      { role: 'tool', toolCallId: 'call_r1', toolName: 'remote.echo' },
      { role: 'assistant' },
    ]);
    expect((await store.getMeta('console:r1')).responseId).toBe('resp_2');

    // The server forgets the chain: the next turn resends the local transcript, tool exchange included.
    model.forgetResponses();
    await processTurn(jobOf(turnOf('console:r1', 'what did it say?'), 2));
    const rebuilt = model.responsesRequests.at(-1)!.body;
    expect(rebuilt.previous_response_id).toBeUndefined();
    expect(rebuilt.input).toEqual(
      expect.arrayContaining([
        {
          type: 'function_call',
          call_id: 'call_r1',
          name: 'remote__echo',
          arguments: '{"text":"via responses"}',
        },
        { type: 'function_call_output', call_id: 'call_r1', output: 'echo: via responses' },
      ]),
    );
    expect(platform.finished.at(-1)!.text).toBe('Still remembered.');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { createOpenAIModelClient } from '../../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import { createTurnProcessor } from '../../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../fakes/fake-openai-server.ts';
import { startFakeMcpHttp } from '../../fakes/mcp/fake-mcp-http.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { jobOf, recordingChannel, testRegistry, turnOf } from './tool-harness.ts';

const counter = getTokenCounter('gpt-4o-mini');
let model: FakeOpenAI;
beforeAll(async () => {
  model = await startFakeOpenAI();
});
afterAll(async () => {
  await model?.close();
});

describe('MCP servers that are not there', () => {
  it('answers without a server that fails to start, and connects it once it comes up', async () => {
    // A port nobody listens on yet: the server "comes up" when the fake starts listening on it.
    const probe = await startFakeMcpHttp();
    const url = probe.url;
    await probe.stop();
    const registry = testRegistry(
      [
        {
          name: 'missing',
          transport: { kind: 'stdio', command: '/nonexistent/mcp-server', args: [], env: {} },
          confirm: { all: false, tools: [] },
        },
        { name: 'late', transport: { kind: 'http', url, headers: {} }, confirm: { all: false, tools: [] } },
      ],
      counter,
    );
    await registry.start();
    try {
      expect(registry.listing().map((entry) => [entry.server, entry.connected])).toEqual([
        ['missing', false],
        ['late', false],
      ]);
      expect(registry.offered(undefined)).toEqual([]);

      const platform = recordingChannel();
      const processTurn = createTurnProcessor({
        store: createMemoryHistoryStore(),
        model: createOpenAIModelClient({
          baseUrl: model.url,
          model: 'gpt-4o-mini',
          maxReplyTokens: 100,
          timeoutMs: 5_000,
          maxRetries: 0,
        }),
        counter,
        replyChannels: { console: platform.channel },
        prompt: { systemPrompt: 'S', maxContextTokens: 4_000, maxReplyTokens: 100 },
        modelAttempts: 1,
        ledger: createMemoryUsageLedger(),
        logger: silentLogger,
        tools: registry,
      });
      await processTurn(jobOf(turnOf('console:s1', 'hello'), 1));
      expect(platform.finished.at(-1)!.text).toBe('Echo: Alice: hello');
      expect(model.requests.at(-1)!.body.tools).toBeUndefined();

      await probe.restart();
      try {
        await waitFor(
          'the late server',
          () => registry.listing().find((entry) => entry.server === 'late')!.connected,
        );
        expect(registry.offered(undefined).map((tool) => tool.definition.name)).toContain('late__echo');
        expect(registry.listing().find((entry) => entry.server === 'missing')!.connected).toBe(false);
      } finally {
        await probe.stop();
      }
    } finally {
      await registry.close();
    }
  }, 30_000);
});

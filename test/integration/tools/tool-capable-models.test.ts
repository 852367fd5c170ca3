/**
 * A catalogue entry marked `tools: false` (a model without function calling) is offered no tools; the default
 * entry of the same catalogue is, through the real turn processor, MCP registry and openai SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { environmentEntry } from '../../../src/model/model-catalogue.ts';
import { createModelRoster } from '../../../src/model/model-roster.ts';
import { createOpenAIModelClient } from '../../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import type { ToolRegistry } from '../../../src/tools/tool-registry.ts';
import { createTurnProcessor } from '../../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../fakes/fake-openai-server.ts';
import {
  callLogFile,
  jobOf,
  offeredNames,
  recordingChannel,
  stdioServer,
  testRegistry,
  turnOf,
} from './tool-harness.ts';

const counter = getTokenCounter('gpt-4o-mini');
let model: FakeOpenAI;
let registry: ToolRegistry;

beforeAll(async () => {
  model = await startFakeOpenAI();
  registry = testRegistry([stdioServer('local', callLogFile())], counter);
  await registry.start();
}, 30_000);

afterAll(async () => {
  await registry?.close();
  await model?.close();
});

describe('tools and the conversation model', () => {
  it('offers tools to an entry that takes them and none to an entry marked tools: false', async () => {
    const base = environmentEntry({
      name: 'gpt-4o-mini',
      baseUrl: model.url,
      apiKey: 'sk-test',
      api: 'chat',
      maxContextTokens: 8_000,
      windowSet: true,
      maxReplyTokens: 200,
      vision: 'auto',
      temperature: undefined,
      timeoutMs: 5_000,
      maxRetries: 0,
    });
    const models = createModelRoster({
      catalogue: { defaultName: base.name, entries: [base, { ...base, name: 'plain', tools: false }] },
      createClient: (entry) =>
        createOpenAIModelClient({
          baseUrl: entry.baseUrl ?? model.url,
          model: entry.model,
          maxReplyTokens: entry.maxReplyTokens,
          timeoutMs: 5_000,
          maxRetries: 0,
        }),
      logger: silentLogger,
    });
    const store = createMemoryHistoryStore();
    const platform = recordingChannel();
    const processTurn = createTurnProcessor({
      store,
      model: models.profile(undefined).client,
      models,
      counter,
      replyChannels: { console: platform.channel },
      prompt: { systemPrompt: 'You are a test bot.', maxContextTokens: 8_000, maxReplyTokens: 200 },
      modelAttempts: 1,
      ledger: createMemoryUsageLedger(),
      logger: silentLogger,
      tools: registry,
    });
    model.respondWith(() => 'Plain answer.');
    await store.setMeta('console:plain', { model: 'plain' });

    await processTurn(jobOf(turnOf('console:default', 'hello'), 1));
    await processTurn(jobOf(turnOf('console:plain', 'hello'), 1));

    expect(model.requests).toHaveLength(2);
    expect(offeredNames(model.requests[0]!.body)).toContain('local__echo');
    expect(model.requests[1]!.body.tools).toBeUndefined();
    expect(platform.finished.at(-1)?.text).toBe('Plain answer.');
  });
});

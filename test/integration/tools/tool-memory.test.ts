import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import { exportSession, parseSessionExport } from '../../../src/commands/session-export.ts';
import type { StoredMessage } from '../../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { summarizeIfNeeded } from '../../../src/history/summarize.ts';
import { createOpenAIModelClient } from '../../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import { toStoredMessage } from '../../../src/prompt/render-message.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../fakes/fake-openai-server.ts';

const counter = getTokenCounter('gpt-4o-mini');
let model: FakeOpenAI;
beforeAll(async () => {
  model = await startFakeOpenAI();
});
afterAll(async () => {
  await model?.close();
});

/** One turn that read a file through a tool. */
function toolTurn(index: number): StoredMessage[] {
  const id = `call_${index}`;
  return [
    toStoredMessage(
      {
        role: 'user',
        content: `read file ${index} ${'and more '.repeat(20)}`,
        at: index,
        author: { id: 'U1', name: 'Ann' },
      },
      counter,
    ),
    toStoredMessage(
      {
        role: 'assistant',
        content: '',
        at: index,
        toolCalls: [{ id, name: 'files__read_file', arguments: `{"path":"f${index}.txt"}` }],
      },
      counter,
    ),
    toStoredMessage(
      {
        role: 'tool',
        content: `contents of file ${index} ${'lorem ipsum '.repeat(30)}`,
        at: index,
        toolCallId: id,
        toolName: 'files.read_file',
      },
      counter,
    ),
    toStoredMessage({ role: 'assistant', content: `File ${index} says lorem ipsum.`, at: index }, counter),
  ];
}

describe('tool exchanges in memory', () => {
  it('folds calls and results into the summary, never leaving a result behind without its call', async () => {
    const store = createMemoryHistoryStore();
    const history = [toolTurn(1), toolTurn(2), toolTurn(3), toolTurn(4)].flat();
    await store.append('console:m1', history);
    model.respondWith(() => 'Ann read three files.');
    const meta = await store.getMeta('console:m1');
    const usage = await summarizeIfNeeded('console:m1', meta.historyTokens, {
      store,
      model: createOpenAIModelClient({
        baseUrl: model.url,
        model: 'gpt-4o-mini',
        maxReplyTokens: 200,
        timeoutMs: 5_000,
        maxRetries: 0,
      }),
      counter,
      // Turns cost 51 + 15 + 70 + 11 tokens: the 353 to drop are reached at the third turn's call, whose
      // result must then go with it.
      historyBudget: 500,
      maxContextTokens: 8_000,
      maxReplyTokens: 200,
      threshold: 0.94,
      logger: silentLogger,
    });
    expect(usage).toBeDefined();
    const transcript = model.requests.at(-1)!.body.messages.at(-1)!.content as string;
    expect(transcript).toContain('[assistant called files__read_file({"path":"f1.txt"})]');
    expect(transcript).toContain('[result of files.read_file]\ncontents of file 1');
    const left = await store.load('console:m1');
    expect(left.map((message) => message.role)).toEqual([
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(left[0]!.content).toBe('File 3 says lorem ipsum.');
    expect((await store.getMeta('console:m1')).summary).toBe('Ann read three files.');
  });

  it('exports the exchange and imports it back', async () => {
    const store = createMemoryHistoryStore();
    await store.append('console:m2', toolTurn(1));
    const exported = await exportSession(store, 'console:m2', 0);
    expect(exported.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(exported.messages[1]!.toolCalls).toEqual([
      { id: 'call_1', name: 'files__read_file', arguments: '{"path":"f1.txt"}' },
    ]);
    expect(exported.messages[2]).toMatchObject({ toolCallId: 'call_1', toolName: 'files.read_file' });
    const parsed = parseSessionExport(JSON.parse(JSON.stringify(exported)));
    expect(parsed.messages).toEqual(exported.messages);
  });
});

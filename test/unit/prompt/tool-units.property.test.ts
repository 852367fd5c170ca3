import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import type { ChatMessage } from '../../../src/model/model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import { assemblePrompt } from '../../../src/prompt/assemble-prompt.ts';
import { toStoredMessage } from '../../../src/prompt/render-message.ts';
import { createRandom, type Random } from '../../fuzz/random.ts';

const counter = getTokenCounter('gpt-4o-mini');
const CASES = 300;

/** A random conversation: turns of a question, zero to three tool rounds of one to three calls, an answer. */
function randomHistory(random: Random): StoredMessage[] {
  const messages: StoredMessage[] = [];
  let callNumber = 0;
  const words = (count: number) =>
    Array.from({ length: count }, () => random.pick(['alpha', 'beta', 'gamma', 'δ', '{}'])).join(' ');
  const turns = 1 + random.int(8);
  for (let turn = 0; turn < turns; turn++) {
    const at = turn * 1000;
    messages.push(
      toStoredMessage(
        { role: 'user', content: words(1 + random.int(30)), at, author: { id: 'U1', name: 'Ann' } },
        counter,
      ),
    );
    for (let round = random.int(4); round > 0; round--) {
      const calls = Array.from({ length: 1 + random.int(3) }, () => ({
        id: `call_${callNumber++}`,
        name: random.pick(['fs__read', 'web__fetch']),
        arguments: JSON.stringify({ q: words(random.int(20)) }),
      }));
      const content = random.chance(0.3) ? words(random.int(10)) : '';
      messages.push(toStoredMessage({ role: 'assistant', content, at, toolCalls: calls }, counter));
      for (const call of calls) {
        messages.push(
          toStoredMessage(
            {
              role: 'tool',
              content: words(1 + random.int(200)),
              at,
              toolCallId: call.id,
              toolName: call.name,
            },
            counter,
          ),
        );
      }
    }
    messages.push(toStoredMessage({ role: 'assistant', content: words(1 + random.int(40)), at }, counter));
  }
  return messages;
}

/** Every tool result directly follows its call (after the call's other results), and every call gets all results. */
function expectWholeUnits(messages: readonly ChatMessage[]): void {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!;
    if (message.role === 'tool') {
      let back = index - 1;
      while (back >= 0 && messages[back]!.role === 'tool') back--;
      const caller = messages[back];
      expect(caller?.role, `result at ${index} has no call before it`).toBe('assistant');
      expect(caller!.toolCalls?.map((call) => call.id)).toContain(message.toolCallId);
    }
    if (message.toolCalls?.length) {
      const results = [];
      for (let next = index + 1; next < messages.length && messages[next]!.role === 'tool'; next++) {
        results.push(messages[next]!.toolCallId);
      }
      expect(results, `call at ${index} lacks results`).toEqual(message.toolCalls.map((call) => call.id));
    }
  }
}

describe('trimming never splits a tool call from its results', () => {
  it('holds for random histories and budgets in prompt assembly', () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const random = createRandom(seed);
      const history = randomHistory(random);
      const pending = toStoredMessage(
        { role: 'user', content: 'and now?', at: 1e9, author: { id: 'U1', name: 'Ann' } },
        counter,
      );
      const prompt = assemblePrompt({
        systemPrompt: 'You are a test bot.',
        history,
        pending: [pending],
        maxContextTokens: 300 + random.int(3000),
        maxReplyTokens: 100,
        ...(random.chance(0.3) ? { maxHistoryMessages: 1 + random.int(20) } : {}),
        counter,
      });
      expectWholeUnits(prompt.messages);
      expect(prompt.overBudget, `seed ${seed}`).toBe(false);
      expect(prompt.messages.at(-1)!.content).toContain('and now?');
    }
  });

  it('holds for the windows a store loads within a token budget', async () => {
    const store = createMemoryHistoryStore();
    for (let seed = 1; seed <= 100; seed++) {
      const random = createRandom(seed * 7919);
      const sessionId = `console:p${seed}`;
      await store.append(sessionId, randomHistory(random));
      const window = await store.load(sessionId, { maxTokens: 50 + random.int(1500) });
      const pending = toStoredMessage({ role: 'user', content: 'next', at: 1e9 }, counter);
      const prompt = assemblePrompt({
        systemPrompt: 'S',
        history: window,
        pending: [pending],
        maxContextTokens: 100_000,
        maxReplyTokens: 100,
        counter,
      });
      expectWholeUnits(prompt.messages);
      // Nothing but broken units is dropped when everything fits.
      const keptTools = prompt.messages.filter((message) => message.role === 'tool').length;
      const loadedTools = window.filter((message) => message.role === 'tool').length;
      let leading = 0;
      while (window[leading]?.role === 'tool') leading++;
      expect(keptTools).toBe(loadedTools - leading);
    }
  });
});

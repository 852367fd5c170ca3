import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../../src/model/model-client.ts';
import { getTokenCounter } from '../../../../src/model/token-counter.ts';
import { toolCallTokens } from '../../../../src/prompt/tool-units.ts';
import { DROPPED_RESULT_TEXT, fitFollowUp } from '../../../../src/turn/phases/fit-follow-up.ts';

const counter = getTokenCounter('gpt-4o-mini');

function tokens(messages: readonly ChatMessage[]): number {
  return (
    counter.promptTokens(messages.map((message) => ({ role: message.role, content: message.content }))) +
    messages.reduce((sum, message) => sum + toolCallTokens(message, counter), 0)
  );
}

/** A deterministic pseudo-random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A conversation of plain messages and tool units, then the turn's question and `rounds` tool rounds. */
function conversation(next: () => number, rounds: number) {
  const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index}`).join(' ');
  const messages: ChatMessage[] = [{ role: 'system', content: 'You are a test bot.' }];
  let id = 0;
  const unit = (size: number) => {
    const calls = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
      id: `c${id++}`,
      name: 'fs__read',
      arguments: '{"path":"a"}',
    }));
    messages.push({ role: 'assistant', content: '', toolCalls: calls });
    for (const call of calls) messages.push({ role: 'tool', content: words(size), toolCallId: call.id });
  };
  for (let index = 0; index < 12; index++) {
    if (next() < 0.5) unit(Math.floor(next() * 200));
    else
      messages.push({ role: next() < 0.5 ? 'user' : 'assistant', content: words(Math.floor(next() * 100)) });
  }
  const turnStart = messages.length;
  messages.push({ role: 'user', content: 'the question' });
  for (let round = 0; round < rounds; round++) unit(Math.floor(next() * 300));
  return { messages, turnStart };
}

describe('fitFollowUp', () => {
  it('keeps every request within the budget, never splits a call from its results, keeps the turn in order', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const { messages, turnStart } = conversation(next, 1 + Math.floor(next() * 3));
      const maxTokens = 300 + Math.floor(next() * 3_000);
      const fitted = fitFollowUp({ messages }, { counter, maxTokens, turnStart }).messages;
      // Only the system prompt and the turn's own messages, every result a marker, can be over the budget.
      const floor = tokens([
        ...messages.slice(0, 1),
        ...messages
          .slice(turnStart)
          .map((message) =>
            message.role === 'tool' ? { ...message, content: DROPPED_RESULT_TEXT } : message,
          ),
      ]);
      expect(tokens(fitted), `seed ${seed}`).toBeLessThanOrEqual(Math.max(maxTokens, floor));
      const called = new Set<string>();
      for (const message of fitted) {
        for (const call of message.toolCalls ?? []) called.add(call.id);
        if (message.role === 'tool') expect(called.has(message.toolCallId!), `seed ${seed}`).toBe(true);
      }
      // The system prompt and the turn's own messages (same ids, same order) always stay.
      expect(fitted[0]).toEqual(messages[0]);
      const own = messages.slice(turnStart);
      const kept = fitted.slice(fitted.length - own.length);
      expect(kept.map((message) => [message.role, message.toolCallId])).toEqual(
        own.map((message) => [message.role, message.toolCallId]),
      );
    }
  });

  it('leaves a request that fits, and a chained one, as it is', () => {
    const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
    expect(fitFollowUp(request, { counter, maxTokens: 1_000, turnStart: 0 })).toBe(request);
    const chained = { ...request, previousResponseId: 'resp_1' };
    expect(fitFollowUp(chained, { counter, maxTokens: 1, turnStart: 0 })).toBe(chained);
  });
});
